package io.keyflow.persistence;

import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * Binds an Idempotency-Key to the fingerprint of the first body sent with it, with a Cassandra
 * lightweight transaction, so that reusing a key for a different body is refused before anything
 * is applied — whichever node the retry reaches. Key groups dedupe the parts themselves.
 */
public final class IdempotencyRegistry {

  /** The outcome of {@link #claim}. */
  public enum Claim {
    /** First use of the key, or a retry with the same body: go ahead (key groups dedupe). */
    SAME_BODY,
    /** The key was used before with another body: refuse. */
    DIFFERENT_BODY
  }

  private static final String PROFILE = "pekko-persistence-cassandra-profile";

  private final CassandraSession session;
  private final CompletionStage<PreparedStatement> insert;

  public IdempotencyRegistry(ClassicActorSystemProvider system, String keyspace) {
    this.session = CassandraSessionRegistry.get(system)
        .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"));
    this.insert = session.prepare("INSERT INTO " + keyspace
        + ".idempotency_keys (pipeline, id, fingerprint) VALUES (?, ?, ?) IF NOT EXISTS");
  }

  public CompletionStage<Claim> claim(String pipeline, String id, String fingerprint) {
    return insert
        .thenCompose(ps -> session.selectOne(ps.bind(pipeline, id, fingerprint).setExecutionProfileName(PROFILE)))
        .thenApply(row -> {
          Row r = row.orElseThrow(() -> new IllegalStateException("no answer to a lightweight transaction"));
          return r.getBoolean("[applied]") || fingerprint.equals(r.getString("fingerprint"))
              ? Claim.SAME_BODY : Claim.DIFFERENT_BODY;
        });
  }
}
