package io.keyflow.persistence.cassandra;

import com.typesafe.config.Config;
import java.util.Locale;

/**
 * Replication of Keyflow's keyspace, read once from {@code keyflow.cassandra.replication}: what the
 * node creates the keyspace with, and whether it accepts fewer replicas than the safe minimum
 * ({@link ReplicationRules}, docs/replication.md).
 *
 * @param strategy              {@code NetworkTopologyStrategy} or {@code SimpleStrategy}
 * @param datacenter            the data centre of the replicas (NetworkTopologyStrategy)
 * @param factor                replicas of every row
 * @param allowUnderReplicated  accept fewer replicas than {@code min(3, nodes)} (and one replica on
 *                              several nodes)
 */
public record KeyspaceReplication(String strategy, String datacenter, int factor, boolean allowUnderReplicated) {

  public static final String NETWORK_TOPOLOGY = "NetworkTopologyStrategy";
  public static final String SIMPLE = "SimpleStrategy";

  public KeyspaceReplication {
    if (!strategy.equals(NETWORK_TOPOLOGY) && !strategy.equals(SIMPLE)) {
      throw new IllegalArgumentException("keyflow.cassandra.replication.strategy = " + strategy + ": needs "
          + NETWORK_TOPOLOGY + " or " + SIMPLE);
    }
    if (factor < 1) {
      throw new IllegalArgumentException("keyflow.cassandra.replication.factor = " + factor + ": needs at least 1");
    }
    if (datacenter.isBlank() || !datacenter.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("keyflow.cassandra.replication.datacenter = '" + datacenter
          + "': needs a data centre name");
    }
  }

  public static KeyspaceReplication create(Config config) {
    Config c = config.getConfig("keyflow.cassandra.replication");
    return new KeyspaceReplication(c.getString("strategy"), c.getString("datacenter"), c.getInt("factor"),
        c.getBoolean("allow-under-replicated"));
  }

  /** The same with another factor (the bundled store replicates to each of its nodes). */
  public KeyspaceReplication withFactor(int otherFactor) {
    return new KeyspaceReplication(strategy, datacenter, otherFactor, allowUnderReplicated);
  }

  /** The CQL map of a {@code CREATE KEYSPACE ... WITH REPLICATION = }. */
  public String cql() {
    String key = strategy.equals(SIMPLE) ? "replication_factor" : datacenter;
    return "{ 'class' : '" + strategy + "', '" + key + "' : " + factor + " }";
  }

  @Override
  public String toString() {
    return strategy.toLowerCase(Locale.ROOT).startsWith("simple") ? strategy + " " + factor
        : strategy + " " + datacenter + ":" + factor;
  }
}
