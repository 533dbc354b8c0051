package io.keyflow.persistence.results;

import static io.keyflow.persistence.cassandra.CassandraSessions.PROFILE;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.persistence.cassandra.CassandraSessions;
import io.keyflow.persistence.results.ResultsBatchCodec.Firing;
import io.keyflow.pipeline.WindowResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Reads the results log: every fired result of one key group of a stage, in output sequence order,
 * as written by {@link CassandraResultsStore} — one {@code results_batches} row per delivery, its
 * firings in one blob ({@link ResultsBatchCodec}), clustered by the delivery's highest stored sequence
 * number. A key group's entity writes its results one write at a time in output order, so once an
 * entry is readable every earlier entry of the same partition is too: a reader that remembers the
 * last sequence number it saw misses nothing.
 *
 * <p>A delivery re-written after a crash or hand-over holds the same firings, possibly split into
 * other rows than the first time: rows may overlap, and each firing is returned once. A keyspace
 * created before {@code results_batches} may still hold the previous log, {@code results_log} (one row
 * per firing): while that table exists it is read too and merged by sequence number.
 */
public final class ResultsLog {

  private static final TypeReference<LinkedHashMap<String, Object>> VALUES = new TypeReference<>() {};

  /** One firing: the result with its key group and output sequence number. */
  public record Entry(int keyGroup, long seq, WindowResult result) {}

  private final CassandraSession session;
  private final ObjectMapper json = new ObjectMapper();
  private final CompletionStage<PreparedStatement> after;
  private final CompletionStage<Optional<PreparedStatement>> legacyAfter;

  public ResultsLog(ClassicActorSystemProvider system, String keyspace) {
    this.session = CassandraSessions.shared(system);
    this.after = session.prepare("SELECT firings FROM " + keyspace
        + ".results_batches WHERE pipeline = ? AND stage = ? AND key_group = ? AND last_seq > ? LIMIT ?");
    // Looked up once: a node's keyspace does not lose or gain the old table while it runs.
    this.legacyAfter = session.selectOne("SELECT table_name FROM system_schema.tables"
            + " WHERE keyspace_name = ? AND table_name = 'results_log'", keyspace)
        .thenCompose(table -> table.isEmpty()
            ? CompletableFuture.completedFuture(Optional.<PreparedStatement>empty())
            : session.prepare("SELECT output_seq, key, window_start, window_end, result FROM " + keyspace
                + ".results_log WHERE pipeline = ? AND stage = ? AND key_group = ? AND output_seq > ? LIMIT ?")
                .thenApply(Optional::of));
  }

  /** At most {@code limit} entries of one key group with a sequence number above {@code afterSeq}, in order. */
  public CompletionStage<List<Entry>> after(String pipeline, String stage, int keyGroup, long afterSeq, int limit) {
    // Every row holds at least one firing above afterSeq (its last), so limit rows hold enough.
    CompletionStage<List<List<Firing>>> batches = after
        .thenCompose(ps -> session.selectAll(ps.bind(pipeline, stage, keyGroup, afterSeq, limit)
            .setExecutionProfileName(PROFILE)))
        .thenApply(rows -> rows.stream().map(row -> ResultsBatchCodec.decode(row.getByteBuffer("firings"))).toList());
    CompletionStage<List<Firing>> legacy = legacyAfter.thenCompose(ps -> ps.isEmpty()
        ? CompletableFuture.completedFuture(List.<Firing>of())
        : session.selectAll(ps.get().bind(pipeline, stage, keyGroup, afterSeq, limit).setExecutionProfileName(PROFILE))
            .thenApply(ResultsLog::legacyFirings));
    return legacy.thenCombine(batches, (old, rows) -> inOrder(old, rows, afterSeq, limit))
        .thenApply(firings -> {
          List<Entry> entries = new ArrayList<>(firings.size());
          for (Firing f : firings) {
            entries.add(new Entry(keyGroup, f.seq(),
                new WindowResult(f.key(), f.windowStart(), f.windowEnd(), values(f.valuesJson()))));
          }
          return entries;
        });
  }

  /**
   * The first {@code limit} firings above {@code afterSeq}, each sequence number once, in order, from
   * {@code legacy} (the old log's first firings above {@code afterSeq}, in order) and {@code batches}
   * (the blobs of the first rows with a last sequence number above {@code afterSeq}, in row order).
   * Both are prefixes of what is stored above {@code afterSeq}, each of at least {@code limit} firings
   * or all of them, so the first {@code limit} of their union miss nothing. A sequence number found
   * twice (re-written deliveries, or a delivery in both logs) is the same firing: the first copy is kept.
   */
  static List<Firing> inOrder(List<Firing> legacy, List<List<Firing>> batches, long afterSeq, int limit) {
    TreeMap<Long, Firing> bySeq = new TreeMap<>();
    for (Firing f : legacy) {
      if (f.seq() > afterSeq) {
        bySeq.putIfAbsent(f.seq(), f);
      }
    }
    for (List<Firing> batch : batches) {
      for (Firing f : batch) {
        if (f.seq() > afterSeq) {
          bySeq.putIfAbsent(f.seq(), f);
        }
      }
    }
    return bySeq.values().stream().limit(limit).toList();
  }

  private static List<Firing> legacyFirings(List<Row> rows) {
    List<Firing> firings = new ArrayList<>(rows.size());
    for (Row row : rows) {
      firings.add(new Firing(row.getLong("output_seq"), row.getString("key"), row.getLong("window_start"),
          row.getLong("window_end"), row.getString("result")));
    }
    return firings;
  }

  private LinkedHashMap<String, Object> values(String text) {
    try {
      return json.readValue(text, VALUES);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt results log entry: " + text, e);
    }
  }
}
