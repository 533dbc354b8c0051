package io.keyflow.loadtests.chaos;

import java.time.Duration;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The {@code autoscale} scenario: a cluster started with {@code --autoscale N..N+1} must add a node
 * while the load runs, and let it leave again once the load stops; both changes count as faults,
 * and the ledger check afterwards proves nothing was lost or doubled while key groups moved.
 */
final class AutoscaleScenario {

  /**
   * A node JVM starting on a saturated two-core machine takes 75-90 s to come up and may be downed
   * while it joins (the autoscaler then tries again after its cooldown): allow two attempts.
   */
  private static final Duration CHANGE_TIMEOUT = Duration.ofMinutes(6);

  private AutoscaleScenario() {}

  static int growAndShrink(ScenarioContext c, int added) throws InterruptedException {
    LocalCluster cluster = c.cluster();
    c.fault("load on " + (added - 1) + " nodes: waiting for the autoscaler to add node-" + added);
    long started = System.nanoTime();
    boolean grew = waitFor(() -> cluster.node(added).isPresent() && cluster.ready(added));
    c.notes().put("grew", Boolean.toString(grew));
    c.notes().put("grow_s", seconds(started));
    if (!grew) {
      return 0;
    }
    c.phase().set("idle");
    c.client().held.set(true);
    System.out.println("chaos: node-" + added + " added; load stopped, waiting for the autoscaler to remove it");
    started = System.nanoTime();
    boolean shrank = waitFor(() -> cluster.node(added).isEmpty());
    c.notes().put("shrank", Boolean.toString(shrank));
    c.notes().put("shrink_s", seconds(started));
    c.client().held.set(false);
    return shrank ? 2 : 1;
  }

  private static boolean waitFor(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + CHANGE_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(1_000);
    }
    return false;
  }

  private static String seconds(long since) {
    return String.format(Locale.ROOT, "%.1f", (System.nanoTime() - since) / 1e9);
  }
}
