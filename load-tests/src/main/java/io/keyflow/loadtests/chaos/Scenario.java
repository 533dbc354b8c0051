package io.keyflow.loadtests.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

/**
 * The chaos scenarios: what each injects, how it heals, and on how many nodes. A scenario's
 * {@link #run} blocks from the first fault until everything is healed and returns how many faults
 * really happened (a PID that was not the expected JVM, or a rule that could not be added, does not
 * count).
 */
enum Scenario {
  KILL("kill", 3),
  KILL_BURST("kill-burst", 5),
  PAUSE("pause", 3),
  LEAVE_JOIN("leave-join", 3),
  PARTITION("partition", 3),
  PARTITION_REJECT("partition-reject", 3),
  CASSANDRA("cassandra", 3),
  CASSANDRA_NODE("cassandra-node", 3),
  CASSANDRA_LAG("cassandra-lag", 3),
  ROLLING("rolling", 3),
  MIXED("mixed", 3),
  AUTOSCALE("autoscale", 2);

  /** How long a takeover of a failed node's key groups may take before the scenario gives up waiting. */
  private static final Duration TAKEOVER_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CASSANDRA_OUTAGE = Duration.ofSeconds(10);
  /** A killed node restarts once its key groups are back on the survivors, or this long after the fault. */
  private static final Duration MOVED_BACK_BOUND = Duration.ofSeconds(30);
  /** How long a request sent to a stopped node waits for its answer, and how long before SIGCONT it is sent. */
  private static final Duration STALE_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STALE_REQUEST_HEAD_START = Duration.ofSeconds(1);
  /** How long a woken stale node stays cut off from the other nodes, at most, waiting for its first refused write. */
  private static final Duration WOKEN_ISOLATION_BOUND = Duration.ofSeconds(20);
  /** What a node logs when a confirmation read shows that its epoch was taken over (a refused write). */
  private static final String STALE_WRITER_LOG = "this writer is stale";
  /** How long the lagging store node of cassandra-lag stays down under load (the writes it misses). */
  private static final Duration LAG_OUTAGE = Duration.ofSeconds(20);
  /** How long cassandra-lag keeps every quorum on the stale store node after the failover, at least. */
  private static final Duration LAG_QUORUM_HOLD = Duration.ofSeconds(20);

  final String label;
  final int nodes;

  Scenario(String label, int nodes) {
    this.label = label;
    this.nodes = nodes;
  }

  static Optional<Scenario> named(String label) {
    for (Scenario s : values()) {
      if (s.label.equals(label)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /**
   * The nodes this scenario never faults, which the recovery probe writes through (so a probe that
   * fails means its key group is unavailable, not its entry node); every node if all may be faulted.
   */
  List<Integer> untouchedNodes() {
    int keep = switch (this) {
      case KILL, PAUSE, LEAVE_JOIN, PARTITION, PARTITION_REJECT -> nodes - 1;
      case KILL_BURST -> nodes - 2;
      default -> nodes;
    };
    return IntStream.rangeClosed(1, keep).boxed().toList();
  }

  /** Extra arguments of {@code bin/keyflow cluster} for this scenario. */
  List<String> clusterArgs() {
    return switch (this) {
      case AUTOSCALE -> List.of("--autoscale", nodes + ".." + (nodes + 1));
      // Three bundled store nodes, keyspace at RF 3 (docs/replication.md).
      case CASSANDRA_NODE, CASSANDRA_LAG -> List.of("--cassandra", "3");
      default -> List.of();
    };
  }

  /** Extra environment of {@code bin/keyflow} for this scenario. */
  Map<String, String> environment() {
    return switch (this) {
      // A store node that was down must come back stale: no hints replayed to it.
      case CASSANDRA_LAG -> Map.of("KEYFLOW_STORE_OPTS", "-Dkeyflow.cassandra.bundled.hinted-handoff=off");
      default -> Map.of();
    };
  }

  static List<String> labels() {
    return java.util.Arrays.stream(values()).map(s -> s.label).toList();
  }

  /** What a scenario sees while it runs; {@code notes} end up as extra fields of the scenario line. */
  record Context(LocalCluster cluster, LedgerClient client, RecoveryProbe probe, AtomicReference<String> phase,
                 long healAtNanos, Random random, Map<String, String> notes) {

    static Context create(LocalCluster cluster, LedgerClient client, RecoveryProbe probe,
                          AtomicReference<String> phase, long healAtNanos, long seed) {
      return new Context(cluster, client, probe, phase, healAtNanos, new Random(seed), new LinkedHashMap<>());
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
  }

  int run(Context c) throws Exception {
    LocalCluster cluster = c.cluster();
    int last = cluster.size();
    return switch (this) {
      case KILL -> {
        c.fault("kill -9 node-" + last, last);
        int faults = cluster.kill(cluster.node(last), "node-" + last) ? 1 : 0;
        c.awaitHeal();
        c.awaitMovedBack();
        cluster.join(last);
        yield faults;
      }
      case KILL_BURST -> {
        c.fault("kill -9 node-" + last, last);
        int faults = cluster.kill(cluster.node(last), "node-" + last) ? 1 : 0;
        Thread.sleep(5_000);
        c.fault("kill -9 node-" + (last - 1), last - 1);
        faults += cluster.kill(cluster.node(last - 1), "node-" + (last - 1)) ? 1 : 0;
        c.awaitHeal();
        c.awaitMovedBack();
        cluster.join(last - 1);
        cluster.join(last);
        yield faults;
      }
      case PAUSE -> pause(c, last);
      case LEAVE_JOIN -> {
        c.fault("leave node-" + last, last);
        int faults = cluster.leave(last) ? 1 : 0;
        c.awaitHeal();
        cluster.join(last);
        yield faults;
      }
      case PARTITION -> partition(c, last);
      case PARTITION_REJECT -> partitionReject(c, last);
      case CASSANDRA -> {
        c.fault("kill -9 cassandra");
        int faults = cluster.kill(cluster.process("cassandra", LocalCluster.CASSANDRA_MAIN), "cassandra") ? 1 : 0;
        // A 10 s outage, then the restart (which itself takes 10-20 s here): waiting for the heal point
        // as well would leave too little of the run to acknowledge anything after the outage.
        Thread.sleep(CASSANDRA_OUTAGE.toMillis());
        c.phase().set("heal");
        cluster.restartMissing();
        yield faults;
      }
      case CASSANDRA_NODE -> {
        // One of three store nodes (any, the seed included): QUORUM still has two replicas of every
        // row. It stays down until the heal point, then starts again on its data and catches up
        // (hints from the other two, then reads at QUORUM never depend on it alone).
        String victim = "cassandra-" + (1 + c.random().nextInt(3));
        c.fault("kill -9 " + victim);
        int faults = cluster.kill(cluster.process(victim, LocalCluster.CASSANDRA_MAIN), victim) ? 1 : 0;
        c.notes().put("store_node", victim);
        c.awaitHeal();
        long restart = System.nanoTime();
        boolean back = cluster.restartMissing();
        c.notes().put("store_restart_s", String.format("%.1f", (System.nanoTime() - restart) / 1e9));
        yield back ? faults : 0;
      }
      case CASSANDRA_LAG -> cassandraLag(c, last);
      case ROLLING -> {
        int faults = 0;
        for (int n = 1; n <= last; n++) {
          c.fault("restart node-" + n, n);
          boolean left = cluster.leave(n);
          faults += left && cluster.join(n) ? 1 : 0;
        }
        yield faults;
      }
      case MIXED -> mixed(c);
      case AUTOSCALE -> AutoscaleScenario.growAndShrink(c, last + 1);
    };
  }

  /**
   * SIGSTOP beyond stable-after: the others down the node and take its key groups over. A request
   * sent to it just before SIGCONT, which it reads cut off from the other nodes, makes it try to
   * append; what it tried to append is fenced off (counted from its log; the run fails if it tried
   * nothing); then it learns it was downed and exits.
   */
  private static int pause(Context c, int n) throws Exception {
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
    }
    c.notes().put("woken_cut_off", Boolean.toString(cut));
    FutureTask<LedgerClient.Sent> stale;
    Thread sender;
    boolean takenOver;
    try {
      takenOver = tookOver(c, n);
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

  /**
   * A lagging replica under a failover. Store nodes keep no hints here. First (not yet the fault
   * measured) one store node is killed under load and started again {@code LAG_OUTAGE} later: it
   * missed every write of its outage. Then node {@code n} is killed, and at once one of the two
   * fresh store nodes: every quorum of the failover that follows includes the stale node, so the new
   * owners recover the full state only if their reads really are QUORUM reads (a read at ONE may be
   * answered by the stale node alone). The fresh store node and node {@code n} start again at the heal.
   */
  private static int cassandraLag(Context c, int n) throws Exception {
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
    boolean takenOver = tookOver(c, n);
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
  private static int partition(Context c, int n) throws Exception {
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
    boolean takenOver = tookOver(c, n);
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
  private static int partitionReject(Context c, int n) throws Exception {
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
      takenOver = tookOver(c, n);
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

  /** Whether the others took node n's key groups over: only then did the fault really cut it off. */
  private static boolean tookOver(Context c, int n) throws InterruptedException {
    long started = System.nanoTime();
    boolean takenOver = c.cluster().waitTakenOver(n, TAKEOVER_TIMEOUT);
    c.notes().merge("taken_over", Boolean.toString(takenOver), (a, b) -> a + "," + b);
    if (takenOver) {
      c.notes().merge("takeover_s", String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9),
          (a, b) -> a + "," + b);
    } else {
      System.out.println("chaos: node-" + n + "'s key groups were not taken over; the fault did not cut it off");
    }
    return takenOver;
  }

  private static void afterStaleNodeWakes(Context c, int n, ProcessHandle node) {
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

  /** Random faults, one after the other, each healed before the next, until the heal point. */
  private static int mixed(Context c) throws Exception {
    List<Scenario> pool = new ArrayList<>(List.of(KILL, PAUSE, LEAVE_JOIN));
    if (LinkCutter.available()) {
      pool.add(PARTITION);
    }
    int faults = 0;
    List<String> done = new ArrayList<>();
    while (System.nanoTime() < c.healAtNanos()) {
      Scenario next = pool.get(c.random().nextInt(pool.size()));
      int n = 1 + c.random().nextInt(c.cluster().size());
      // Each fault heals right away (its own heal point is now): the next one starts from a whole cluster.
      Context single = new Context(c.cluster(), c.client(), c.probe(), c.phase(),
          System.nanoTime() + 10_000_000_000L, c.random(), c.notes());
      int injected = switch (next) {
        case KILL -> {
          single.fault("kill -9 node-" + n, n);
          int f = c.cluster().kill(c.cluster().node(n), "node-" + n) ? 1 : 0;
          single.awaitHeal();
          c.cluster().join(n);
          yield f;
        }
        case LEAVE_JOIN -> {
          single.fault("leave node-" + n, n);
          int f = c.cluster().leave(n) ? 1 : 0;
          single.awaitHeal();
          c.cluster().join(n);
          yield f;
        }
        case PAUSE -> pause(single, n);
        default -> partition(single, n);
      };
      faults += injected;
      done.add(next.label + "@" + n);
    }
    c.notes().put("sequence", String.join(",", done));
    return faults;
  }
}
