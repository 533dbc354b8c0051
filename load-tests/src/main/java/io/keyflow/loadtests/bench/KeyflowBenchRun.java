package io.keyflow.loadtests.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.loadtests.LoadOptions;
import io.keyflow.loadtests.LoadTimeline;
import io.keyflow.loadtests.Loader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One measured Keyflow run of the side-by-side bench: {@code bin/keyflow cluster N} with the bench
 * pipeline, the load generator against every node, CPU and peak RSS of the node JVMs, Cassandra and
 * the load generator, journal appends as the nodes' own meters saw them, then the window results
 * read back after a final watermark, and optionally the journal ceiling: the fenced append alone
 * (no HTTP, no node) at the same bytes per append and the node's number of appends in flight.
 */
public final class KeyflowBenchRun {

  /**
   * What one run measured. CPU in seconds over the measured load (start-up and any warm-up load
   * excluded; the loader's own {@code --warmup} included), {@code loadSeconds} that same interval, RSS
   * peaks in MiB. On a replicated store, {@code cassandraCpuSeconds} is that of all its nodes together
   * and {@code cassandraPeakRssMiB} the largest node's. {@code seconds} is the load generator's run
   * second by second, {@code marks} where its own warm-up ends (none without one).
   * {@code nodeCompilerCpuSeconds} and {@code cassandraCompilerCpuSeconds}: the part of their CPU that
   * the JVMs' just-in-time compiler threads used (NaN where not measured).
   */
  public record Outcome(int nodes, String resultLine, double eventsPerSecond, double loadSeconds, List<String> lines,
      double nodeCpuSeconds, double nodePeakRssMiB, double cassandraCpuSeconds, double cassandraPeakRssMiB,
      double loaderCpuSeconds, double recordsPerAppend, double bytesPerRecord, JournalAppendBench.Round ceiling,
      List<LoadTimeline.Second> seconds, List<LoadTimeline.Mark> marks, double nodeCompilerCpuSeconds,
      double cassandraCompilerCpuSeconds) {

    /** An outcome whose compiler threads' CPU was not measured. */
    public Outcome(int nodes, String resultLine, double eventsPerSecond, double loadSeconds, List<String> lines,
        double nodeCpuSeconds, double nodePeakRssMiB, double cassandraCpuSeconds, double cassandraPeakRssMiB,
        double loaderCpuSeconds, double recordsPerAppend, double bytesPerRecord, JournalAppendBench.Round ceiling,
        List<LoadTimeline.Second> seconds, List<LoadTimeline.Mark> marks) {
      this(nodes, resultLine, eventsPerSecond, loadSeconds, lines, nodeCpuSeconds, nodePeakRssMiB, cassandraCpuSeconds,
          cassandraPeakRssMiB, loaderCpuSeconds, recordsPerAppend, bytesPerRecord, ceiling, seconds, marks, Double.NaN,
          Double.NaN);
    }

    /** A figure of the load generator's RESULT line, e.g. {@code p99_ms}. */
    public double number(String name) {
      return KeyflowBenchRun.number(resultLine, name);
    }

    /** Records per second the journal alone takes at this run's records per append. */
    public double ceilingRecordsPerSecond() {
      return ceiling == null ? Double.NaN : ceiling.appendsPerSecond() * recordsPerAppend;
    }
  }

  private static final Pattern METER = Pattern.compile(
      "^keyflow_journal_batch_records_(sum|count)\\{[^}]*pipeline=\"([^\"]+)\"[^}]*} ([0-9.Ee+-]+)$");

  private final Path home;
  private final Path work;
  private String warmupPipeline;
  private List<String> warmupArgs = List.of();
  /** Bundled store nodes of the runs: 1, or 3 (RF 3, docs/replication.md). */
  private int storeNodes = 1;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  public KeyflowBenchRun(Path home) throws IOException {
    this.home = home;
    this.work = Files.createDirectories(home.resolve("load-tests/target/bench"));
  }

  /**
   * Before each measured load, a load of {@code loaderArgs} to {@code pipeline} (which the pipelines
   * config of the run must define too), not measured: the JVMs' just-in-time compilation and the
   * store's first flushes then fall outside the figures, as Flink's start-up does (its steady state is
   * what it is compared by), and the measured pipeline's results stay those of its own events.
   */
  public KeyflowBenchRun warmingUpWith(String pipeline, List<String> loaderArgs) {
    this.warmupPipeline = pipeline;
    this.warmupArgs = List.copyOf(loaderArgs);
    return this;
  }

  /** The runs from now on use a bundled store of {@code storeNodes} nodes (1, or 3 at RF 3). */
  public KeyflowBenchRun onStoreOf(int storeNodes) {
    this.storeNodes = storeNodes;
    return this;
  }

  /**
   * Starts {@code nodes} nodes with {@code pipelinesConf} (defining {@code pipeline}), runs the load
   * generator with {@code loaderArgs} against all of them, reads the windows back after
   * {@code finalWatermark} (not when {@code line} is null), measures the journal ceiling if asked, and
   * stops everything.
   */
  public Outcome run(int nodes, String pipeline, String pipelinesConf, List<String> loaderArgs, long finalWatermark,
      boolean ceiling, int ceilingWriters, Function<JsonNode, String> line) throws Exception {
    Path pipelines = work.resolve("pipelines-" + pipeline + ".conf");
    Files.writeString(pipelines, pipelinesConf);
    keyflow("cluster", "" + nodes, "--pipelines", pipelines.toString(), "--cassandra", "" + storeNodes);
    if (ceiling && storeNodes > 1) {
      throw new IllegalArgumentException("the journal ceiling is measured on the one-node store only");
    }
    try {
      List<String> urls = new ArrayList<>();
      for (int n = 1; n <= nodes; n++) {
        urls.add("http://127.0.0." + (n + 1) + ":8080");
      }
      if (warmupPipeline != null) {
        load(urls, warmupPipeline, warmupArgs, "warmup-" + pipeline + "-" + nodes + ".log");
      }
      List<ProcessUsage> nodesBefore = new ArrayList<>();
      for (int n = 1; n <= nodes; n++) {
        nodesBefore.add(ProcessUsage.ofPidFile(home.resolve("run/node-" + n + ".pid")));
      }
      List<ProcessUsage> cassandraBefore = new ArrayList<>();
      for (String pidFile : storePidFiles()) {
        cassandraBefore.add(ProcessUsage.ofPidFile(home.resolve("run/" + pidFile)));
      }
      ProcessUsage loaderBefore = ProcessUsage.self();
      long loadStarted = System.nanoTime();
      Load measured = load(urls, pipeline, loaderArgs, "load-" + pipeline + "-" + nodes + ".log");
      String loadOutput = measured.output();
      double loadSeconds = (System.nanoTime() - loadStarted) / 1e9;
      ProcessUsage.Group nodeUsage = ProcessUsage.Group.since(nodesBefore);
      ProcessUsage.Group storeUsage = ProcessUsage.Group.since(cassandraBefore);
      double loaderCpu = ProcessUsage.self().cpuSecondsSince(loaderBefore);
      double[] appends = new double[2];
      for (String url : urls) {
        for (String meter : get(url + "/metrics").lines().toList()) {
          Matcher m = METER.matcher(meter);
          if (m.matches() && m.group(2).equals(pipeline)) {
            appends[m.group(1).equals("sum") ? 0 : 1] += Double.parseDouble(m.group(3));
          }
        }
      }
      double recordsPerAppend = appends[1] == 0 ? Double.NaN : appends[0] / appends[1];
      List<String> lines = line == null ? List.of() : results(urls.get(0), pipeline, finalWatermark, line);
      String result = loadOutput.lines().filter(l -> l.startsWith("RESULT")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no RESULT line from the load generator:\n" + loadOutput));
      double bytesPerRecord = Double.NaN;
      JournalAppendBench.Round round = null;
      if (ceiling) {
        try (CqlSession session = JournalAppendBench.connect("127.0.0.1:9042")) {
          bytesPerRecord = bytesPerRecord(session, pipeline, appends[0]);
          int eventBytes = (int) Math.round(bytesPerRecord * recordsPerAppend);
          round = new JournalAppendBench(session, "keyflow").measure(true, 200, ceilingWriters, eventBytes);
        }
      }
      Outcome outcome = new Outcome(nodes, result, number(result, "events_per_s"), loadSeconds, lines,
          nodeUsage.cpuSeconds(), nodeUsage.largestPeakRssMiB(), storeUsage.cpuSeconds(), storeUsage.largestPeakRssMiB(),
          loaderCpu, recordsPerAppend, bytesPerRecord, round, measured.seconds(), measured.marks(),
          nodeUsage.compilerCpuSeconds(), storeUsage.compilerCpuSeconds());
      if (!result.contains("errors=0")) {
        throw new IllegalStateException("the load generator saw errors:\n" + loadOutput);
      }
      return outcome;
    } finally {
      keyflow("stop");
    }
  }

  /**
   * The HOCON of the bench's clicks pipeline {@code pipeline}: keyed by user, tumbling 10 s windows,
   * count and sum of amount, out-of-orderness bound {@code boundMs}.
   */
  public static String clicksPipeline(String pipeline, long boundMs) {
    return "keyflow.pipelines." + pipeline + " {\n  key-field = user\n  max-out-of-orderness = " + boundMs
        + "ms\n  window { type = tumbling, size = 10s }\n"
        + "  aggregations = [ { name = n, fn = count }, { name = amount, fn = sum, field = amount } ]\n}\n";
  }

  /** Deletes the data of the last run ({@code bin/keyflow clean}): the next run starts on a fresh store. */
  public void clean() throws IOException, InterruptedException {
    keyflow("clean");
  }

  private List<String> storePidFiles() {
    if (storeNodes == 1) {
      return List.of("cassandra.pid");
    }
    List<String> files = new ArrayList<>();
    for (int i = 1; i <= storeNodes; i++) {
      files.add("cassandra-" + i + ".pid");
    }
    return files;
  }

  /** A load generator run: its output, its seconds, where its warm-up ends. */
  private record Load(String output, List<LoadTimeline.Second> seconds, List<LoadTimeline.Mark> marks) {}

  /** The load generator run in this JVM with {@code args} against {@code pipeline}; its output also goes to {@code log}. */
  private Load load(List<String> urls, String pipeline, List<String> args, String log) throws Exception {
    List<String> all = new ArrayList<>(List.of("--nodes", String.join(",", urls), "--pipeline", pipeline));
    all.addAll(args);
    LoadOptions options = LoadOptions.parse(all.toArray(String[]::new));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Loader loader = new Loader(options, new PrintStream(out, true, StandardCharsets.UTF_8));
    loader.run();
    String output = out.toString(StandardCharsets.UTF_8);
    Files.writeString(work.resolve(log), output);
    List<LoadTimeline.Mark> marks = options.warmup().isZero() ? List.of()
        : List.of(new LoadTimeline.Mark(options.warmup().toMillis() / 1000.0, "loader warm-up ends"));
    return new Load(output, loader.seconds(), marks);
  }

  /** Journal bytes of the pipeline's events (all key groups, every segment) per record appended. */
  private static double bytesPerRecord(CqlSession session, String pipeline, double records) {
    long bytes = 0;
    for (Row segment : session.execute("SELECT DISTINCT fence_key, segment FROM keyflow.journal_segments")) {
      if (!segment.getString(0).equals(pipeline + "|main")) {
        continue;
      }
      for (Row row : session.execute("SELECT event FROM keyflow.journal_segments WHERE fence_key = ? AND segment = ?",
          segment.getString(0), segment.getUuid(1))) {
        bytes += row.isNull(0) ? 0 : row.getByteBuffer(0).remaining();
      }
    }
    return bytes / records;
  }

  /**
   * Sends a final watermark through node 1, then reads the results (of the last stage) until they
   * stop changing (bounded); each as {@code line} formats it, sorted.
   */
  private List<String> results(String url, String pipeline, long watermark, Function<JsonNode, String> line)
      throws Exception {
    // Every key group must take the watermark (it is idempotent): a node still working off the load
    // can time out on some, whose windows would then never fire.
    long watermarkDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    int status = 0;
    while (status != 200) {
      if (System.nanoTime() > watermarkDeadline) {
        throw new IllegalStateException("the final watermark was not taken by every key group of " + pipeline);
      }
      status = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/pipelines/" + pipeline + "/watermark"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
          .POST(HttpRequest.BodyPublishers.ofString("{\"watermark\":" + watermark + "}")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode();
    }
    List<String> last = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int stable = 0;
    while (System.nanoTime() < deadline && stable < 3) {
      TimeUnit.SECONDS.sleep(2);
      List<String> now = new ArrayList<>();
      for (JsonNode r : json.readTree(get(url + "/v1/pipelines/" + pipeline + "/results"))) {
        now.add(line.apply(r));
      }
      now.sort(null);
      stable = !now.isEmpty() && now.equals(last) ? stable + 1 : 0;
      last = now;
    }
    return last;
  }

  private String get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private void keyflow(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/keyflow").toString());
    command.addAll(List.of(args));
    Path log = work.resolve("keyflow-" + args[0] + ".log");
    Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("bin/keyflow " + String.join(" ", args) + " failed: " + Files.readString(log));
    }
  }

  static double number(String resultLine, String name) {
    Matcher m = Pattern.compile(name + "=([0-9.]+)").matcher(resultLine);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }
}
