package io.keyflow.persistence.cassandra;

import java.util.Map;

/**
 * What replication Keyflow accepts for its keyspace (docs/replication.md). Every row is written and
 * read at QUORUM: one replica on a cluster of several nodes loses acknowledged writes with one
 * disk, and fewer than {@code min(3, nodes)} replicas survive fewer failures than the cluster could.
 * Pure: the node feeds it what it read from the cluster.
 */
public final class ReplicationRules {

  private ReplicationRules() {}

  /** The replicas a safe keyspace has on a cluster (or data centre) of {@code nodes} nodes. */
  public static int safeFactor(int nodes) {
    return Math.max(1, Math.min(3, nodes));
  }

  /**
   * Refuses to create the keyspace with {@code wanted} on a data centre of {@code nodes} nodes: with
   * fewer replicas than {@link #safeFactor} (unless allowed), or with more than the nodes can hold
   * a quorum of (every QUORUM write would fail).
   */
  public static void checkCreate(String keyspace, KeyspaceReplication wanted, int nodes) {
    int quorum = wanted.factor() / 2 + 1;
    if (quorum > nodes) {
      throw new IllegalStateException("refusing to create keyspace " + keyspace + " with " + wanted + " on "
          + nodes + " Cassandra node(s): a quorum of " + wanted.factor() + " replicas needs " + quorum
          + " nodes, so every write would fail; set keyflow.cassandra.replication.factor (docs/replication.md)");
    }
    if (wanted.factor() < safeFactor(nodes) && !wanted.allowUnderReplicated()) {
      throw new IllegalStateException("refusing to create keyspace " + keyspace + " with " + wanted + " on "
          + nodes + " Cassandra nodes: fewer than min(3, nodes) = " + safeFactor(nodes) + " replicas lose"
          + " acknowledged writes with " + wanted.factor() + " disk(s); raise keyflow.cassandra.replication.factor"
          + " or set keyflow.cassandra.replication.allow-under-replicated = on (docs/replication.md)");
    }
  }

  /**
   * The replicas per row of an existing keyspace, from its {@code system_schema.keyspaces}
   * replication map: the factor of SimpleStrategy, the sum over data centres otherwise.
   */
  public static int replicas(Map<String, String> replication) {
    String strategy = replication.getOrDefault("class", "");
    if (strategy.endsWith("SimpleStrategy")) {
      return Integer.parseInt(replication.getOrDefault("replication_factor", "0"));
    }
    int total = 0;
    for (var entry : replication.entrySet()) {
      if (!entry.getKey().equals("class")) {
        total += Integer.parseInt(entry.getValue().replaceAll("/.*", "").strip());
      }
    }
    return total;
  }

  /**
   * Checks an existing keyspace at start on a cluster of {@code nodes} nodes: refuses one replica on
   * several nodes unless {@code allowUnderReplicated}. Returns what to log: the replication found and
   * whether it is below the safe factor.
   */
  public static String checkExisting(String keyspace, Map<String, String> replication, int nodes,
      boolean allowUnderReplicated) {
    int replicas = replicas(replication);
    String found = "keyspace " + keyspace + ": replication " + replication + " (" + replicas + " replicas) on "
        + nodes + " Cassandra node(s)";
    if (replicas <= 1 && nodes > 1 && !allowUnderReplicated) {
      throw new IllegalStateException("refusing to start: " + found + ": one disk lost loses acknowledged"
          + " writes; ALTER KEYSPACE " + keyspace + " to " + safeFactor(nodes) + " replicas and run a repair,"
          + " or set keyflow.cassandra.replication.allow-under-replicated = on (docs/replication.md)");
    }
    if (replicas < safeFactor(nodes)) {
      return found + ", fewer than the safe " + safeFactor(nodes);
    }
    return found;
  }
}
