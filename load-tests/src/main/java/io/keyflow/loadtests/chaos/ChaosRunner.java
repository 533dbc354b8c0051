package io.keyflow.loadtests.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code bin/keyflow chaos [kill|leave-join ...] [--duration 60s] [--seed N]}: starts a local
 * cluster with {@code bin/keyflow}, drives load through {@link LedgerClient}s, injects the
 * scenario's fault, lets it settle, reads results back over HTTP and checks them against the ledger
 * with {@link LedgerChecker}. Prints one {@code scenario=...} line per scenario; exits non-zero on
 * loss, duplication, a gap, no fault injected, or fewer than 10,000 acknowledged events. Everything
 * it starts is stopped at the end, also on failure.
 */
public final class ChaosRunner {

  private static final int NODES = 3;
  private static final String PIPELINES = """
      # Written by the chaos runner. A long window and bound: retried events are late in wall time,
      # never in event time, so the results hold every acknowledged event.
      keyflow.pipelines.%s {
        max-out-of-orderness = 1h
        window { type = tumbling, size = 1d }
        aggregations = [ { name = n, fn = count }, { name = seq_sum, fn = sum, field = seq },
                         { name = seq_min, fn = min, field = seq }, { name = seq_max, fn = max, field = seq } ]
      }
      """;

  /** A pipeline of its own per run: earlier runs' state in data/ never mixes in, and is never deleted. */
  private final String pipeline = "chaos_" + Long.toString(System.currentTimeMillis(), 36);
  private final Path home;
  private final Duration duration;
  private final long seed;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  private ChaosRunner(Path home, Duration duration, long seed) {
    this.home = home;
    this.duration = duration;
    this.seed = seed;
  }

  public static void main(String[] args) throws Exception {
    List<String> scenarios = new ArrayList<>();
    Duration duration = Duration.ofSeconds(60);
    long seed = System.currentTimeMillis() % 100_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--duration" -> duration = Duration.parse("PT" + args[++i].toUpperCase());
        case "--seed" -> seed = Long.parseLong(args[++i]);
        case "all" -> scenarios.addAll(List.of("kill", "leave-join", "cassandra"));
        case "kill", "leave-join", "cassandra" -> scenarios.add(args[i]);
        default -> {
          System.err.println("unknown argument " + args[i] + " (scenarios: kill, leave-join, cassandra, all; --duration 60s, --seed N)");
          System.exit(2);
        }
      }
    }
    if (scenarios.isEmpty()) {
      scenarios.add("kill");
    }
    Path home = Path.of(System.getProperty("keyflow.home", ".")).toAbsolutePath().normalize();
    boolean allOk = true;
    List<String> lines = new ArrayList<>();
    for (String scenario : scenarios) {
      String line = runScenario(home, scenario, duration, seed);
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
    return new ChaosRunner(home, duration, seed).run(scenario);
  }

  private String run(String scenario) throws Exception {
    try (var pids = Files.list(Files.createDirectories(home.resolve("run")))) {
      for (Path pid : pids.filter(p -> p.toString().endsWith(".pid")).toList()) {
        long value = Long.parseLong(Files.readString(pid).strip());
        if (ProcessHandle.of(value).map(ProcessHandle::isAlive).orElse(false)) {
          throw new IllegalStateException(pid.getFileName() + " is running; the chaos suite starts its own cluster");
        }
      }
    }
    Path pipelines = home.resolve("run/chaos-pipelines.conf");
    List<String> nodes = new ArrayList<>();
    for (int n = 1; n <= NODES; n++) {
      nodes.add("http://127.0.0." + (n + 1) + ":8080");
    }
    try {
      Files.createDirectories(pipelines.getParent());
      Files.writeString(pipelines, PIPELINES.formatted(pipeline));
      // A cluster that fails to form is a finding of its own, reported in the line; the scenario
      // itself only runs on a cluster that formed (one fresh attempt after a failed start).
      int setupRetries = 0;
      if (keyflow("cluster", Integer.toString(NODES), "--pipelines", pipelines.toString()) != 0) {
        System.out.println("chaos: the cluster did not form; stopping it and starting once more");
        keyflow("stop");
        setupRetries = 1;
        if (keyflow("cluster", Integer.toString(NODES), "--pipelines", pipelines.toString()) != 0) {
          return "scenario=" + scenario + " seed=" + seed + " faults=0 setup_failed=true ok=false";
        }
      }
      return drive(scenario, nodes) + " setup_retries=" + setupRetries;
    } finally {
      keyflow("stop");
    }
  }

  private String drive(String scenario, List<String> nodes) throws Exception {
    LedgerClient client = new LedgerClient(nodes, pipeline, 500, 200, Duration.ofSeconds(120));
    AtomicBoolean running = new AtomicBoolean(true);
    int workers = 4;
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    List<Future<Long>> futures = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      futures.add(pool.submit(() -> client.run(worker, seed, running, 0)));
    }
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    int faults = 0;
    java.util.concurrent.CompletableFuture<Integer> rejoin = null;
    boolean faulted = false;
    boolean healed = false;
    String phase = "load";
    long lastProgress = 0;
    long lastAcked = 0;
    while (System.nanoTime() < end) {
      long elapsed = System.nanoTime() - start;
      if (!faulted && elapsed > duration.toNanos() / 3) {
        faulted = true;
        phase = "fault";
        client.faultAtNanos.set(System.nanoTime());
        faults += inject(scenario) ? 1 : 0;
      } else if (faulted && !healed && elapsed > 2 * duration.toNanos() / 3) {
        healed = true;
        phase = "heal";
        // In the background: bin/keyflow join returns only once the node is ready.
        rejoin = java.util.concurrent.CompletableFuture.supplyAsync(() -> scenario.equals("cassandra")
            // bin/keyflow cluster restarts what is not running (here: Cassandra) and waits for readiness.
            ? keyflowQuietly("cluster", Integer.toString(NODES), "--pipelines", home.resolve("run/chaos-pipelines.conf").toString())
            : keyflowQuietly("join", Integer.toString(NODES)));
      }
      if (rejoin != null && rejoin.isDone() && phase.equals("heal")) {
        phase = "settle";
      }
      if (System.nanoTime() - lastProgress > 5_000_000_000L) {
        long acked = client.acked.get();
        System.out.printf("chaos %s t=%ds phase=%s acked=%d rate=%d ev/s failed_attempts=%d%n", scenario,
            elapsed / 1_000_000_000L, phase, acked, (acked - lastAcked) / 5, client.failedAttempts.get());
        lastAcked = acked;
        lastProgress = System.nanoTime();
      }
      Thread.sleep(200);
    }
    running.set(false);
    if (rejoin != null) {
      rejoin.join();
    }
    long requests = 0;
    for (Future<Long> f : futures) {
      requests += f.get();
    }
    pool.shutdown();

    post(nodes.get(0) + "/v1/pipelines/" + pipeline + "/watermark", "{\"watermark\":" + (5L * 86_400_000) + "}");
    Map<String, LedgerChecker.ReadBack> readBack = readBackStable(nodes.get(1));
    LedgerChecker.Report report = LedgerChecker.check(client.ledger, readBack);
    double recovery = client.recoveredAtNanos.get() == 0 ? -1
        : (client.recoveredAtNanos.get() - client.faultAtNanos.get()) / 1e9;
    boolean ok = report.ok() && faults > 0 && report.acked() >= 10_000 && client.abandoned.get() == 0;
    report.problems().forEach(p -> System.out.println("  problem: " + p));
    return String.format("scenario=%s seed=%d faults=%d acked=%d lost=%d duplicated=%d gaps=%d requests=%d"
            + " failed_requests=%d retried=%d abandoned=%d recovery_s=%.1f pause_max_s=%.1f ok=%s",
        scenario, seed, faults, report.acked(), report.lost(), report.duplicated(), report.gaps(), requests,
        client.retriedRequests.get(), client.failedAttempts.get(), client.abandoned.get(), recovery,
        client.longestPauseNanos.get() / 1e9, ok);
  }

  /** Injects the fault; true only if it really happened (the PID was the expected JVM, the leave was accepted). */
  private boolean inject(String scenario) throws Exception {
    return switch (scenario) {
      case "kill" -> killMinusNine("node-" + NODES, "io.keyflow.node.Main");
      case "cassandra" -> killMinusNine("cassandra", "org.apache.cassandra.service.CassandraDaemon");
      default -> keyflow("leave", Integer.toString(NODES)) == 0;
    };
  }

  private boolean killMinusNine(String name, String mainClass) throws IOException {
    long pid = Long.parseLong(Files.readString(home.resolve("run/" + name + ".pid")).strip());
    var process = ProcessHandle.of(pid).filter(p -> p.info().commandLine().orElse("").contains(mainClass));
    if (process.isEmpty()) {
      System.out.println("chaos: run/" + name + ".pid (" + pid + ") is not " + mainClass + "; no fault injected");
      return false;
    }
    return process.get().destroyForcibly();
  }

  private Map<String, LedgerChecker.ReadBack> readBackStable(String node) throws Exception {
    Map<String, LedgerChecker.ReadBack> previous = null;
    for (int attempt = 0; attempt < 30; attempt++) {
      Thread.sleep(1_000);
      Map<String, LedgerChecker.ReadBack> current = readBack(node);
      if (current.equals(previous)) {
        return current;
      }
      previous = current;
    }
    return previous;
  }

  private Map<String, LedgerChecker.ReadBack> readBack(String node) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node + "/v1/pipelines/" + pipeline + "/results"))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    Map<String, LedgerChecker.ReadBack> byKey = new HashMap<>();
    if (response.statusCode() != 200) {
      return byKey;
    }
    for (JsonNode r : json.readTree(response.body())) {
      JsonNode v = r.get("values");
      byKey.merge(r.get("key").asText(), new LedgerChecker.ReadBack(v.get("n").asLong(), v.get("seq_sum").asLong(),
          v.get("seq_min").asLong(), v.get("seq_max").asLong()), LedgerChecker.ReadBack::plus);
    }
    return byKey;
  }

  private void post(String url, String body) throws IOException, InterruptedException {
    http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
  }

  private int keyflowQuietly(String... args) {
    try {
      return keyflow(args);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("bin/keyflow " + String.join(" ", args) + " failed", e);
    }
  }

  private int keyflow(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/keyflow").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).inheritIO().redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    return process.waitFor();
  }
}
