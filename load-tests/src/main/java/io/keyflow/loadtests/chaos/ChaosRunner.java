package io.keyflow.loadtests.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code bin/keyflow chaos [scenario... | all] [--duration 60s] [--seed N] [--rate R]}: per scenario,
 * starts a local cluster with {@code bin/keyflow}, drives load through {@link LedgerClient}s, injects
 * the scenario's faults (see {@link Scenario}) after a third of the duration and heals them after two
 * thirds, keeps the load on for at least a third of the duration after the heal, reads results back over HTTP and checks them against the ledger with {@link LedgerChecker}.
 * Prints a progress line every 5 s, one {@code scenario=...} line per scenario and a final table;
 * exits non-zero on loss, duplication, a gap, no fault injected, or fewer than 10,000 acknowledged
 * events. Everything it starts or adds (processes, paused processes, iptables rules) is undone at
 * the end, also on failure or Ctrl-C.
 */
public final class ChaosRunner {

  private static final String PIPELINES = """
      # Written by the chaos runner. A long window and bound: retried events are late in wall time,
      # never in event time, so the results hold every acknowledged event.
      keyflow.pipelines.%s {
        max-out-of-orderness = 1h
        window { type = tumbling, size = 1d }
        aggregations = [ { name = n, fn = count }, { name = seq_sum, fn = sum, field = seq },
                         { name = seq_min, fn = min, field = seq }, { name = seq_max, fn = max, field = seq } ]
      }
      # The recovery probe's own pipeline (never checked).
      keyflow.pipelines.%s_probe {
        window { type = tumbling, size = 1d }
        aggregations = [ { name = n, fn = count } ]
      }
      """;
  /** Printed before a scenario's line, with the folder of its logs and report.html, relative to the home. */
  public static final String KEPT_IN = "chaos: logs and report.html of this run in ";
  private static final int PROBE_KEYS = 32;
  /** Load keeps running this long at most after the duration while a scenario finishes healing. */
  private static final Duration HEAL_GRACE = Duration.ofMinutes(6);
  private static final int WORKERS = 4;
  private static final int EVENTS_PER_REQUEST = 200;

  /** A pipeline of its own per run: earlier runs' state in data/ never mixes in, and is never deleted. */
  private final String pipeline = "chaos_" + Long.toString(System.currentTimeMillis(), 36);
  /** The run's second-by-second view, once its load has started (null before). */
  private ChaosTimeline timeline;
  private final Path home;
  private final Duration duration;
  private final long seed;
  private final double rate;

  private ChaosRunner(Path home, Duration duration, long seed, double rate) {
    this.home = home;
    this.duration = duration;
    this.seed = seed;
    this.rate = rate;
  }

  public static void main(String[] args) throws Exception {
    List<Scenario> scenarios = new ArrayList<>();
    Duration duration = Duration.ofSeconds(60);
    long seed = System.currentTimeMillis() % 100_000;
    double rate = 0;
    String usage = "scenarios: " + String.join(", ", Scenario.labels()) + ", all; --duration 60s, --seed N, --rate EVENTS_PER_S";
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--duration" -> duration = Duration.parse("PT" + args[++i].toUpperCase());
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "--rate" -> rate = Double.parseDouble(args[++i]);
        case "all" -> scenarios.addAll(List.of(Scenario.values()));
        default -> scenarios.add(Scenario.named(arg).orElseGet(() -> {
          System.err.println("unknown argument " + arg + " (" + usage + ")");
          System.exit(2);
          return null;
        }));
      }
    }
    if (scenarios.isEmpty()) {
      scenarios.add(Scenario.KILL);
    }
    Path home = Path.of(System.getProperty("keyflow.home", ".")).toAbsolutePath().normalize();
    boolean allOk = true;
    List<String> lines = new ArrayList<>();
    for (Scenario scenario : scenarios) {
      String line = new ChaosRunner(home, duration, seed, rate).run(scenario);
      lines.add(line);
      System.out.println(line);
      allOk &= line.contains(" ok=true");
    }
    System.out.println();
    lines.forEach(l -> System.out.println("  " + l));
    System.exit(allOk ? 0 : 1);
  }

  /** Runs one scenario on a cluster of its own; returns the scenario line (it ends with ok=true or ok=false). */
  public static String runScenario(Path home, String scenario, Duration duration, long seed) throws Exception {
    return new ChaosRunner(home, duration, seed, 0)
        .run(Scenario.named(scenario).orElseThrow(() -> new IllegalArgumentException("no scenario " + scenario)));
  }

  private String run(Scenario scenario) throws Exception {
    String line = "scenario=" + scenario.label + " (no result)";
    try (var pids = Files.list(Files.createDirectories(home.resolve("run")))) {
      for (Path pid : pids.filter(p -> p.toString().endsWith(".pid")).toList()) {
        long value = Long.parseLong(Files.readString(pid).strip());
        if (ProcessHandle.of(value).map(ProcessHandle::isAlive).orElse(false)) {
          throw new IllegalStateException(pid.getFileName() + " is running; the chaos suite starts its own cluster");
        }
      }
    }
    Path pipelines = home.resolve("run/chaos-pipelines.conf");
    Files.writeString(pipelines, PIPELINES.formatted(pipeline, pipeline));
    LocalCluster cluster = new LocalCluster(home, scenario.nodes, pipelines, scenario.clusterArgs(), scenario.environment());
    Thread cleanup = new Thread(cluster::close, "chaos-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      // A cluster that fails to form is a finding of its own, reported in the line; the scenario
      // itself only runs on a cluster that formed (one fresh attempt after a failed start).
      int setupRetries = cluster.start();
      if (setupRetries < 0) {
        return "scenario=" + scenario.label + " seed=" + seed + " faults=0 setup_failed=true ok=false";
      }
      // bin/keyflow status on the cluster just formed: the operator's one screen, checked by ChaosShortIT.
      LocalCluster.Status status = cluster.status();
      System.out.print(status.screen());
      String statusNotes = " status_exit=" + status.exitCode() + " status_members_up=" + status.membersUp()
          + " status_settled=" + status.settled();
      line = drive(scenario, cluster) + " setup_retries=" + setupRetries + statusNotes;
      return line;
    } finally {
      cluster.close();
      Runtime.getRuntime().removeShutdownHook(cleanup);
      keepLogs(scenario, line);
    }
  }

  /**
   * Moves this run's node and Cassandra logs to logs/chaos/&lt;scenario&gt;-&lt;pipeline&gt;/ for diagnosis,
   * and writes its report.html there (events/s and ack latency over time, the faults marked).
   */
  private void keepLogs(Scenario scenario, String line) {
    Path logs = home.resolve("logs");
    Path target = logs.resolve("chaos").resolve(scenario.label + "-" + pipeline);
    try (var files = Files.list(logs)) {
      Files.createDirectories(target);
      for (Path log : files.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
        Files.move(log, target.resolve(log.getFileName()));
      }
      if (timeline != null) {
        timeline.write(target.resolve("report.html"), scenario.label, line);
      }
      System.out.println(KEPT_IN + home.relativize(target));
    } catch (IOException e) {
      System.out.println("chaos: could not keep the logs: " + e);
    }
  }

  private String drive(Scenario scenario, LocalCluster cluster) throws Exception {
    List<String> nodes = cluster.urls();
    LedgerClient client = new LedgerClient(nodes, pipeline, 500, EVENTS_PER_REQUEST, Duration.ofSeconds(120));
    AtomicBoolean running = new AtomicBoolean(true);
    long intervalNanos = rate > 0 ? (long) (WORKERS * EVENTS_PER_REQUEST * 1e9 / rate) : 0;
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS + 2);
    List<Future<Long>> futures = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      int worker = w;
      futures.add(pool.submit(() -> client.run(worker, seed, running, intervalNanos)));
    }
    RecoveryProbe probe = new RecoveryProbe(
        scenario.untouchedNodes().stream().map(LocalCluster::url).toList(), pipeline + "_probe", PROBE_KEYS);
    futures.add(pool.submit(() -> {
      probe.run(running);
      return 0L;
    }));
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    AtomicReference<String> phase = new AtomicReference<>("load");
    ScenarioContext context = ScenarioContext.create(cluster, client, probe, phase,
        start + 2 * duration.toNanos() / 3, seed);
    AtomicLong healedAt = new AtomicLong(Long.MAX_VALUE);
    Future<Integer> faults = pool.submit(() -> {
      try {
        Thread.sleep(duration.toMillis() / 3);
        int injected = scenario.run(context);
        phase.set("settle");
        return injected;
      } finally {
        healedAt.set(System.nanoTime());
      }
    });
    long hardStop = end + HEAL_GRACE.toNanos();
    // Load goes on for a third of the duration after the heal, so a slow heal (a Cassandra restart, a
    // join) still leaves a healed cluster under load to check, not just the fault.
    long settle = duration.toNanos() / 3;
    long lastProgress = 0;
    long lastAcked = 0;
    timeline = new ChaosTimeline(start);
    while ((System.nanoTime() < end || !faults.isDone() || System.nanoTime() - healedAt.get() < settle)
        && System.nanoTime() < hardStop) {
      long now = System.nanoTime();
      timeline.phase(now, phase.get());
      if (timeline.due(now)) {
        timeline.tick(now, client.acked.get(), client.ackLatencyMicros.getIntervalHistogram(), client.failedAttempts.get());
      }
      if (System.nanoTime() - lastProgress > 5_000_000_000L) {
        long acked = client.acked.get();
        System.out.printf("chaos %s t=%ds phase=%s acked=%d rate=%d ev/s failed_attempts=%d%n", scenario.label,
            (System.nanoTime() - start) / 1_000_000_000L, phase.get(), acked, (acked - lastAcked) / 5,
            client.failedAttempts.get());
        lastAcked = acked;
        lastProgress = System.nanoTime();
      }
      Thread.sleep(200);
    }
    running.set(false);
    System.out.println("chaos: affected probe keys, seconds after the fault:" + probe.timeline());
    boolean healed = faults.isDone();
    int injected = healed ? faults.get() : 0;
    faults.cancel(true);
    long requests = 0;
    for (Future<Long> f : futures) {
      requests += f.get();
    }
    pool.shutdownNow();

    ResultsReadBack results = new ResultsReadBack(nodes, pipeline);
    results.post("/v1/pipelines/" + pipeline + "/watermark", "{\"watermark\":" + (5L * 86_400_000) + "}");
    long readBackStart = System.nanoTime();
    Map<String, LedgerChecker.ReadBack> readBack = results.settled(r -> LedgerChecker.check(client.ledger, r).ok());
    context.notes().put("read_back_s", String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - readBackStart) / 1e9));
    LedgerChecker.Report report = LedgerChecker.check(client.ledger, readBack);
    double clientRecovery = client.recoveredAtNanos.get() == 0 ? -1
        : (client.recoveredAtNanos.get() - client.faultAtNanos.get()) / 1e9;
    // A node that was cut off must notice it was downed and exit on its own (exit-jvm).
    boolean staleExited = !context.notes().getOrDefault("stale_exited", "true").contains("false");
    // A pause proves the fence only if the woken node tried to write: its refused confirmations.
    boolean staleWrote = scenario != Scenario.PAUSE
        || Long.parseLong(context.notes().getOrDefault("fenced_appends", "0")) > 0;
    if (!staleWrote) {
      System.out.println("  problem: the woken node attempted no journal write (fenced_appends=0): the pause proved nothing");
    }
    if (scenario == Scenario.PARTITION_REJECT && !"true".equals(context.notes().get("exited_before_heal"))) {
      System.out.println("  problem: the node cut off by REJECT rules did not exit by itself before the heal");
    }
    boolean ok = report.ok() && injected > 0 && healed && staleExited && staleWrote && report.acked() >= 10_000
        && client.abandoned.get() == 0;
    report.problems().forEach(p -> System.out.println("  problem: " + p));
    StringBuilder notes = new StringBuilder();
    context.notes().forEach((k, v) -> notes.append(' ').append(k).append('=').append(v));
    notes.append(" join_retries=").append(cluster.joinRetries()).append(' ').append(client.failureReport());
    return String.format("scenario=%s seed=%d faults=%d acked=%d lost=%d duplicated=%d gaps=%d requests=%d"
            + " failed_requests=%d retried=%d abandoned=%d recovery_s=%.1f recovery_all_s=%.1f probe_affected=%d"
            + " probe_rejected=%d"
            + " client_recovery_s=%.1f pause_max_s=%.1f healed=%s%s ok=%s",
        scenario.label, seed, injected, report.acked(), report.lost(), report.duplicated(), report.gaps(), requests,
        client.retriedRequests.get(), client.failedAttempts.get(), client.abandoned.get(),
        probe.firstRecoverySeconds(), probe.allRecoveredSeconds(), probe.affected(), probe.rejected.get(), clientRecovery,
        client.longestPauseNanos.get() / 1e9, healed, notes, ok);
  }
}
