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
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * Reads the results log ({@code results_log}): every fired result of one key group of a stage, in
 * output sequence order, as written by {@link CassandraResultsStore}. A key group's entity writes its
 * results one write at a time in output order, so once an entry is readable every earlier entry of
 * the same partition is too: a reader that remembers the last sequence number it saw misses nothing.
 */
public final class ResultsLog {

  private static final String PROFILE = "pekko-persistence-cassandra-profile";
  private static final TypeReference<LinkedHashMap<String, Object>> VALUES = new TypeReference<>() {};

  /** One firing: the result with its key group and output sequence number. */
  public record Entry(int keyGroup, long seq, WindowResult result) {}

  private final CassandraSession session;
  private final ObjectMapper json = new ObjectMapper();
  private final CompletionStage<PreparedStatement> after;

  public ResultsLog(ClassicActorSystemProvider system, String keyspace) {
    this.session = CassandraSessionRegistry.get(system)
        .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"));
    this.after = session.prepare("SELECT output_seq, key, window_start, window_end, result FROM " + keyspace
        + ".results_log WHERE pipeline = ? AND stage = ? AND key_group = ? AND output_seq > ? LIMIT ?");
  }

  /** At most {@code limit} entries of one key group with a sequence number above {@code afterSeq}, in order. */
  public CompletionStage<List<Entry>> after(String pipeline, String stage, int keyGroup, long afterSeq, int limit) {
    return after
        .thenCompose(ps -> session.selectAll(ps.bind(pipeline, stage, keyGroup, afterSeq, limit)
            .setExecutionProfileName(PROFILE)))
        .thenApply(rows -> {
          List<Entry> entries = new ArrayList<>(rows.size());
          for (Row row : rows) {
            entries.add(new Entry(keyGroup, row.getLong("output_seq"), new WindowResult(row.getString("key"),
                row.getLong("window_start"), row.getLong("window_end"), values(row.getString("result")))));
          }
          return entries;
        });
  }

  private LinkedHashMap<String, Object> values(String text) {
    try {
      return json.readValue(text, VALUES);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt results log row: " + text, e);
    }
  }
}
