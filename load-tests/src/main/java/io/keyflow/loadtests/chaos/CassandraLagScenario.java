package io.keyflow.loadtests.chaos;

import java.time.Duration;

/**
 * The {@code cassandra-lag} scenario: a failover whose every quorum includes a store replica that
 * missed writes. It needs three store nodes, a preparation before the measured fault and a hold
 * after it, which no other scenario has; kept apart so {@link Scenario} stays a readable list.
 */
final class CassandraLagScenario {

  /** How long the lagging store node of cassandra-lag stays down under load (the writes it misses). */
  private static final Duration LAG_OUTAGE = Duration.ofSeconds(20);
  /** How long cassandra-lag keeps every quorum on the stale store node after the failover, at least. */
  private static final Duration LAG_QUORUM_HOLD = Duration.ofSeconds(20);

  private CassandraLagScenario() {}

  /**
   * A lagging replica under a failover. Store nodes keep no hints here. First (not yet the fault
   * measured) one store node is killed under load and started again {@code LAG_OUTAGE} later: it
   * missed every write of its outage. Then node {@code n} is killed, and at once one of the two
   * fresh store nodes: every quorum of the failover that follows includes the stale node, so the new
   * owners recover the full state only if their reads really are QUORUM reads (a read at ONE may be
   * answered by the stale node alone). The fresh store node and node {@code n} start again at the heal.
   */
  static int run(ScenarioContext c, int n) throws Exception {
    LocalCluster cluster = c.cluster();
    int lagging = 1 + c.random().nextInt(3);
    int fresh = 1 + (lagging + c.random().nextInt(2)) % 3;
    String laggingName = "cassandra-" + lagging;
    String freshName = "cassandra-" + fresh;
    c.phase().set("prepare:lag " + laggingName);
    System.out.println("chaos: kill -9 " + laggingName + " for " + LAG_OUTAGE.toSeconds() + " s (no hints: it will lag)"
        + " at " + java.time.LocalTime.now());
    if (!cluster.kill(cluster.process(laggingName, LocalCluster.CASSANDRA_MAIN), laggingName)) {
      return 0;
    }
    c.notes().put("stale_store_node", laggingName);
    Thread.sleep(LAG_OUTAGE.toMillis());
    long restart = System.nanoTime();
    if (!cluster.restartMissing()) {
      System.out.println("chaos: " + laggingName + " did not start again; no failover on it");
      return 0;
    }
    c.notes().put("stale_store_restart_s", String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - restart) / 1e9));
    c.fault("kill -9 node-" + n + " and " + freshName + " (quorums include " + laggingName + ")", n);
    long faultAt = System.nanoTime();
    int faults = cluster.kill(cluster.node(n), "node-" + n) ? 1 : 0;
    faults += cluster.kill(cluster.process(freshName, LocalCluster.CASSANDRA_MAIN), freshName) ? 1 : 0;
    c.notes().put("killed_store_node", freshName);
    boolean takenOver = c.tookOver(n);
    c.awaitHeal();
    long held = System.nanoTime() - faultAt;
    if (held < LAG_QUORUM_HOLD.toNanos()) {
      Thread.sleep((LAG_QUORUM_HOLD.toNanos() - held) / 1_000_000);
    }
    c.phase().set("heal");
    // The fresh store node first, then node n (bin/keyflow cluster starts what is missing, in that order).
    // Node n, starved while it joins, can be downed and exit by itself: join starts it again (bounded).
    boolean back = cluster.restartMissing() || cluster.join(n);
    return takenOver && back && faults == 2 ? faults : 0;
  }
}
