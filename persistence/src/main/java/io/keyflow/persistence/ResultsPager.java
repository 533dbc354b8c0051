package io.keyflow.persistence;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.pipeline.WindowResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * Pages of the results table in its storage order: key group, then key, then window start. A page
 * reads from its start position on (a clustering-key range per partition, key groups in turn), so
 * each page costs what it returns plus what the time filter skips, not the whole result set.
 */
public final class ResultsPager {

  private static final String PROFILE = "pekko-persistence-cassandra-profile";
  private static final TypeReference<LinkedHashMap<String, Object>> VALUES = new TypeReference<>() {};
  private static final int MIN_CHUNK = 100;

  /** A position in the order (key group, key, window start). */
  public record Position(int keyGroup, String key, long windowStart) {}

  /** A result with its position. */
  public record Positioned(Position at, WindowResult result) {}

  /** What a page is taken from: one stage's results with {@code from <= window_start < to}, one key or all. */
  public record Query(String pipeline, String stage, int keyGroups, String key, int keyGroupOfKey, long from, long to) {}

  private final CassandraSession session;
  private final ObjectMapper json = new ObjectMapper();
  private final CompletionStage<PreparedStatement> partition;
  private final CompletionStage<PreparedStatement> partitionAfter;
  private final CompletionStage<PreparedStatement> ofKey;

  public ResultsPager(ClassicActorSystemProvider system, String keyspace) {
    this.session = CassandraSessionRegistry.get(system)
        .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"));
    String select = "SELECT key, window_start, window_end, result FROM " + keyspace + ".results"
        + " WHERE pipeline = ? AND stage = ? AND key_group = ?";
    this.partition = session.prepare(select + " LIMIT ?");
    this.partitionAfter = session.prepare(select + " AND (key, window_start) > (?, ?) LIMIT ?");
    this.ofKey = session.prepare(select + " AND key = ? AND window_start >= ? AND window_start < ? LIMIT ?");
  }

  /** At most {@code limit} results strictly after {@code after} (null: from the first), in order. */
  public CompletionStage<List<Positioned>> page(Query q, Position after, int limit) {
    List<Positioned> page = new ArrayList<>();
    if (q.key() != null) {
      long lower = q.from();
      if (after != null) {
        int kgk = q.keyGroupOfKey();
        boolean pastKey = after.keyGroup() > kgk || (after.keyGroup() == kgk && after.key().compareTo(q.key()) > 0);
        boolean inKey = after.keyGroup() == kgk && after.key().equals(q.key());
        if (pastKey || (inKey && after.windowStart() == Long.MAX_VALUE)) {
          return CompletableFuture.completedFuture(page);
        }
        if (inKey) {
          lower = Math.max(lower, after.windowStart() + 1);
        }
      }
      long from = lower;
      return ofKey
          .thenCompose(ps -> session.selectAll(ps.bind(q.pipeline(), q.stage(), q.keyGroupOfKey(), q.key(), from, q.to(), limit)
              .setExecutionProfileName(PROFILE)))
          .thenApply(rows -> {
            rows.forEach(row -> page.add(positioned(q.keyGroupOfKey(), row)));
            return page;
          });
    }
    int firstGroup = after == null ? 0 : after.keyGroup();
    return fill(q, firstGroup, after, limit, page);
  }

  /** Reads key group {@code kg} from {@code after} (null: its start) until the page is full, then the next. */
  private CompletionStage<List<Positioned>> fill(Query q, int kg, Position after, int limit, List<Positioned> page) {
    if (page.size() >= limit || kg >= q.keyGroups()) {
      return CompletableFuture.completedFuture(page);
    }
    int chunk = Math.max(MIN_CHUNK, limit - page.size());
    CompletionStage<List<Row>> rows = after != null && after.keyGroup() == kg
        ? partitionAfter.thenCompose(ps -> session.selectAll(ps.bind(q.pipeline(), q.stage(), kg, after.key(),
            after.windowStart(), chunk).setExecutionProfileName(PROFILE)))
        : partition.thenCompose(ps -> session.selectAll(ps.bind(q.pipeline(), q.stage(), kg, chunk)
            .setExecutionProfileName(PROFILE)));
    return rows.thenCompose(read -> {
      Positioned last = null;
      for (Row row : read) {
        last = positioned(kg, row);
        long start = last.result().windowStart();
        if (start >= q.from() && start < q.to() && page.size() < limit) {
          page.add(last);
        }
      }
      if (read.size() == chunk && page.size() < limit) {
        return fill(q, kg, last.at(), limit, page); // more rows in this key group
      }
      return fill(q, kg + 1, null, limit, page);
    });
  }

  private Positioned positioned(int kg, Row row) {
    WindowResult r = new WindowResult(row.getString("key"), row.getLong("window_start"), row.getLong("window_end"),
        values(row.getString("result")));
    return new Positioned(new Position(kg, r.key(), r.windowStart()), r);
  }

  private LinkedHashMap<String, Object> values(String text) {
    try {
      return json.readValue(text, VALUES);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt result row: " + text, e);
    }
  }
}
