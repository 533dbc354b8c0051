package io.keyflow.persistence.results;

import static io.keyflow.persistence.cassandra.CassandraSessions.PROFILE;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.keyflow.persistence.cassandra.CassandraSessions;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The webhook sink's cursor ({@code webhook_offsets}): per key group of a stage, the output sequence
 * number of the last result the receiver accepted. Written only after a 2xx, so a restarted sink
 * resends at most the results in flight when it stopped.
 */
public final class WebhookOffsets {

  private final CassandraSession session;
  private final CompletionStage<PreparedStatement> select;
  private final CompletionStage<PreparedStatement> update;

  public WebhookOffsets(ClassicActorSystemProvider system, String keyspace) {
    this.session = CassandraSessions.shared(system);
    this.select = session.prepare("SELECT key_group, delivered_seq FROM " + keyspace
        + ".webhook_offsets WHERE pipeline = ? AND stage = ?");
    this.update = session.prepare("UPDATE " + keyspace
        + ".webhook_offsets SET delivered_seq = ? WHERE pipeline = ? AND stage = ? AND key_group = ?");
  }

  /** Delivered sequence number per key group; key groups never delivered are absent. */
  public CompletionStage<Map<Integer, Long>> load(String pipeline, String stage) {
    return select
        .thenCompose(ps -> session.selectAll(ps.bind(pipeline, stage).setExecutionProfileName(PROFILE)))
        .thenApply(rows -> {
          Map<Integer, Long> offsets = new TreeMap<>();
          for (Row row : rows) {
            offsets.put(row.getInt("key_group"), row.getLong("delivered_seq"));
          }
          return offsets;
        });
  }

  public CompletionStage<Void> save(String pipeline, String stage, int keyGroup, long deliveredSeq) {
    return update
        .thenCompose(ps -> session.executeWrite(ps.bind(deliveredSeq, pipeline, stage, keyGroup)
            .setExecutionProfileName(PROFILE)))
        .thenApply(done -> null);
  }
}
