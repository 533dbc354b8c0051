package io.keyflow.persistence.cassandra;

import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The one driver session of a node's Cassandra work, and the execution profile its statements run
 * with. The journal, the snapshot store and the results tables all use the session that
 * pekko-persistence-cassandra configures ({@code pekko.persistence.cassandra}): one connection pool
 * per node, and one place (that plugin's profile) where timeouts and consistency are set. Each class
 * used to look the session and the profile name up itself.
 */
public final class CassandraSessions {

  /** Config path of the shared session (pekko-persistence-cassandra's). */
  public static final String CONFIG_PATH = "pekko.persistence.cassandra";
  /** The driver execution profile of the shared session. */
  public static final String PROFILE = "pekko-persistence-cassandra-profile";

  private CassandraSessions() {}

  /** The node's shared session (created on first use, closed with the actor system). */
  public static CassandraSession shared(ClassicActorSystemProvider system) {
    return sessionFor(system, CONFIG_PATH);
  }

  /** The session configured at {@code configPath} (the journal names it in its settings). */
  public static CassandraSession sessionFor(ClassicActorSystemProvider system, String configPath) {
    return CassandraSessionRegistry.get(system).sessionFor(CassandraSessionSettings.create(configPath));
  }
}
