package io.keyflow.loadtests.chaos;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a scenario sees while it runs; {@code notes} end up as extra fields of the scenario line. It
 * owns the steps every scenario shares — marking a fault for the client and the probe, waiting for
 * the heal point, for the moved key groups and for a takeover — so that each scenario's code says
 * only what it injects and how it heals.
 */
record ScenarioContext(LocalCluster cluster, LedgerClient client, RecoveryProbe probe, AtomicReference<String> phase,
                       long healAtNanos, Random random, Map<String, String> notes) {

  /** How long a takeover of a failed node's key groups may take before the scenario gives up waiting. */
  private static final Duration TAKEOVER_TIMEOUT = Duration.ofSeconds(60);
  /** A killed node restarts once its key groups are back on the survivors, or this long after the fault. */
  private static final Duration MOVED_BACK_BOUND = Duration.ofSeconds(30);

  static ScenarioContext create(LocalCluster cluster, LedgerClient client, RecoveryProbe probe,
                                AtomicReference<String> phase, long healAtNanos, long seed) {
    return new ScenarioContext(cluster, client, probe, phase, healAtNanos, new Random(seed), new LinkedHashMap<>());
  }

  /** A fault not of one node (Cassandra, load). */
  void fault(String what) {
    fault(what, null);
  }

  /** A fault of node {@code n}. */
  void fault(String what, int n) {
    fault(what, LocalCluster.host(n));
  }

  private void fault(String what, String host) {
    probe.readPlacement();
    long now = System.nanoTime();
    client.faultAtNanos.compareAndSet(0, now);
    probe.fault(now, host);
    phase.set("fault:" + what);
    System.out.println("chaos: fault " + what + " at " + java.time.LocalTime.now());
  }

  void awaitHeal() throws InterruptedException {
    long left = healAtNanos - System.nanoTime();
    if (left > 0) {
      Thread.sleep(left / 1_000_000);
    }
    phase.set("heal");
  }

  /**
   * Before a killed node starts again: waits, at most {@code MOVED_BACK_BOUND} after the fault, until
   * the probe saw the key groups that were on it running on the survivors. On a real cluster the
   * replacement JVM starts on a machine of its own; here its start takes both shared cores for
   * seconds (JIT, class loading) and would slow the very failover the probe measures.
   */
  void awaitMovedBack() throws InterruptedException {
    long fault = client.faultAtNanos.get();
    boolean back = probe.awaitMovedBack(fault + MOVED_BACK_BOUND.toNanos());
    System.out.printf("chaos: %s %.1f s after the fault; starting the killed node again%n",
        back ? "the probe saw every moved key group back" : "gave up waiting for the moved key groups",
        (System.nanoTime() - fault) / 1e9);
    if (!back) {
      notes.put("moved_back_wait", "bound");
    }
  }

  /** Whether the others took node n's key groups over: only then did the fault really cut it off. */
  boolean tookOver(int n) throws InterruptedException {
    long started = System.nanoTime();
    boolean takenOver = cluster.waitTakenOver(n, TAKEOVER_TIMEOUT);
    notes.merge("taken_over", Boolean.toString(takenOver), (a, b) -> a + "," + b);
    if (takenOver) {
      notes.merge("takeover_s", String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9),
          (a, b) -> a + "," + b);
    } else {
      System.out.println("chaos: node-" + n + "'s key groups were not taken over; the fault did not cut it off");
    }
    return takenOver;
  }
}
