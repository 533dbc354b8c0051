package io.keyflow.loadtests.chaos;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;

/**
 * The scenarios that leave a node alive but cut off while the others take its key groups over —
 * {@code pause}, {@code partition}, {@code partition-reject} — and so must also prove what a kill
 * cannot: that the stale node's writes are fenced off and that it exits by itself. They share the
 * link cutting and the checks after the stale node wakes, which the other scenarios never need.
 */
final class StaleNodeScenarios {

  /** How long a request sent to a stopped node waits for its answer, and how long before SIGCONT it is sent. */
  private static final Duration STALE_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STALE_REQUEST_HEAD_START = Duration.ofSeconds(1);
  /** How long a woken stale node stays cut off from the other nodes, at most, waiting for its first refused write. */
  private static final Duration WOKEN_ISOLATION_BOUND = Duration.ofSeconds(20);
  /** What a node logs when a confirmation read shows that its epoch was taken over (a refused write). */
  private static final String STALE_WRITER_LOG = "this writer is stale";

  private StaleNodeScenarios() {}

  /**
   * SIGSTOP beyond stable-after: the others down the node and take its key groups over. A request
   * sent to it just before SIGCONT, which it reads cut off from the other nodes, makes it try to
   * append; what it tried to append is fenced off (counted from its log; the run fails if it tried
   * nothing); then it learns it was downed and exits.
   */
  static int pause(ScenarioContext c, int n) throws Exception {
    LocalCluster cluster = c.cluster();
    Optional<ProcessHandle> node = cluster.node(n);
    c.fault("SIGSTOP node-" + n, n);
    if (node.isEmpty() || !cluster.pause(node.get())) {
      return 0;
    }
    // Its links to the other nodes are cut from the stop until it has woken (clients and Cassandra
    // still reach it). A stopped process's kernel still receives: without the cut, the others' news
    // of its downing and quarantine waited in its socket buffers and won the race against the stale
    // request at SIGCONT, and the node exited having tried no write (seed 4242, twice on 2026-12-07,
    // also with a cut made only just before SIGCONT). A stopped node sends nothing, so the cut does
    // not change what the others see during the pause.
    boolean cut = LinkCutter.available() && cluster.links.isolate(LocalCluster.host(n), othersThan(cluster, n));
    if (!cut) {
      cluster.links.heal();
      System.out.println("chaos: iptables is not available (install it, run as root): the paused node's links"
          + " stay up, so it may exit at SIGCONT before it tries a write, and the pause then proves nothing");
    }
    c.notes().put("woken_cut_off", Boolean.toString(cut));
    FutureTask<LedgerClient.Sent> stale;
    Thread sender;
    boolean takenOver;
    try {
      takenOver = c.tookOver(n);
      c.awaitHeal();
      // A request sent to the stopped node waits in its socket: on SIGCONT the node reads it while it
      // still believes it owns its key groups, so it tries journal writes that the new owners' epochs
      // must refuse. Its first attempt waits long enough to span the wake; after that it is retried on
      // the other nodes like any request, so the ledger checks it exactly once.
      stale = new FutureTask<>(() -> c.client().send(new Random(c.random().nextLong()),
          "chaos-stale-node-" + n + "-" + System.nanoTime(), n - 1, STALE_REQUEST_TIMEOUT));
      sender = new Thread(stale, "chaos-stale-request");
      sender.start();
      Thread.sleep(STALE_REQUEST_HEAD_START.toMillis());
      // The links come back at its first refused write, its exit, or WOKEN_ISOLATION_BOUND.
      long refusedBefore = cluster.logLines(n, STALE_WRITER_LOG);
      cluster.resume(node.get());
      long until = System.nanoTime() + WOKEN_ISOLATION_BOUND.toNanos();
      while (cut && System.nanoTime() < until && node.get().isAlive()
          && cluster.logLines(n, STALE_WRITER_LOG) == refusedBefore) {
        Thread.sleep(200);
      }
    } finally {
      cluster.links.heal();
    }
    afterStaleNodeWakes(c, n, node.get());
    try {
      LedgerClient.Sent sent = stale.get(STALE_REQUEST_TIMEOUT.toSeconds() + 150, TimeUnit.SECONDS);
      c.notes().put("stale_request_acked", Boolean.toString(sent.acknowledged()));
    } catch (ExecutionException | TimeoutException e) {
      sender.interrupt();
      c.notes().put("stale_request_acked", "false");
    }
    return takenOver ? 1 : 0;
  }

  private static boolean linkCutterAvailable() {
    if (!LinkCutter.available()) {
      System.out.println("chaos: iptables is not available (install it, run as root); no fault injected");
      return false;
    }
    return true;
  }

  /** The hosts of every node of the cluster but node {@code n}. */
  private static List<String> othersThan(LocalCluster cluster, int n) {
    return IntStream.rangeClosed(1, cluster.size()).filter(o -> o != n).mapToObj(LocalCluster::host).toList();
  }

  /** One node cut off from all others (not from Cassandra or clients): it downs itself, they take over. */
  static int partition(ScenarioContext c, int n) throws Exception {
    LocalCluster cluster = c.cluster();
    if (!linkCutterAvailable()) {
      return 0;
    }
    Optional<ProcessHandle> node = cluster.node(n);
    List<String> others = othersThan(cluster, n);
    c.fault("partition node-" + n, n);
    if (node.isEmpty() || !cluster.links.isolate(LocalCluster.host(n), others)) {
      cluster.links.heal();
      return 0;
    }
    boolean takenOver = c.tookOver(n);
    c.awaitHeal();
    cluster.links.heal();
    afterStaleNodeWakes(c, n, node.get());
    return takenOver ? 1 : 0;
  }

  /**
   * One node cut off from all others by rules that answer with a reset or port-unreachable: the
   * others' crash detectors see its port refuse and down it within about a second, while it is
   * alive. It must down itself as fast (refused by a majority) and exit before the heal; notes how
   * long after the fault it exited ({@code exited_s}) and after the takeover ({@code both_served_s}).
   */
  static int partitionReject(ScenarioContext c, int n) throws Exception {
    LocalCluster cluster = c.cluster();
    if (!linkCutterAvailable()) {
      return 0;
    }
    Optional<ProcessHandle> node = cluster.node(n);
    List<String> others = othersThan(cluster, n);
    c.fault("partition (REJECT) node-" + n, n);
    long faultAt = System.nanoTime();
    if (node.isEmpty() || !cluster.links.reject(LocalCluster.host(n), others)) {
      cluster.links.heal();
      return 0;
    }
    boolean exitedBeforeHeal;
    boolean takenOver;
    try {
      java.util.concurrent.CompletableFuture<Long> exitedAt = node.get().onExit().thenApply(p -> System.nanoTime());
      takenOver = c.tookOver(n);
      long takenOverAt = System.nanoTime();
      Long exited = null;
      try {
        exited = exitedAt.get(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        // still running 30 s after the takeover: reported below
      }
      exitedBeforeHeal = exited != null;
      c.notes().put("exited_before_heal", Boolean.toString(exitedBeforeHeal));
      if (exited != null) {
        c.notes().put("exited_s", String.format(java.util.Locale.ROOT, "%.1f", (exited - faultAt) / 1e9));
        // An upper bound: the takeover is seen by polling, so it happened up to one poll earlier.
        c.notes().put("both_served_s", String.format(java.util.Locale.ROOT, "%.1f",
            Math.max(0, exited - takenOverAt) / 1e9));
      }
      c.awaitHeal();
    } finally {
      cluster.links.heal();
    }
    afterStaleNodeWakes(c, n, node.get());
    return takenOver && exitedBeforeHeal ? 1 : 0;
  }

  private static void afterStaleNodeWakes(ScenarioContext c, int n, ProcessHandle node) {
    LocalCluster cluster = c.cluster();
    boolean exited = LocalCluster.waitExited(node, Duration.ofSeconds(60));
    c.notes().merge("stale_exited", Boolean.toString(exited), (a, b) -> a + "," + b);
    if (!exited) {
      node.destroyForcibly();
      LocalCluster.waitExited(node, Duration.ofSeconds(30));
    }
    // Refused confirmations: writes of the stale node whose fence read showed the new owner's epoch.
    c.notes().merge("fenced_appends", Long.toString(cluster.logLines(n, STALE_WRITER_LOG)),
        (a, b) -> Long.toString(Long.parseLong(a) + Long.parseLong(b)));
    cluster.join(n);
  }
}
