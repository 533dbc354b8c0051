package io.keyflow.loadtests.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.loadtests.EventGenerator;
import io.keyflow.loadtests.bench.KeyflowBenchRun;
import io.keyflow.loadtests.bench.ProcessUsage;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * The clicks workload (count and sum of amount per user per 10 s tumbling window) through Apache
 * Flink 2.3 (local MiniCluster, parallelism = cores, checkpoints every 1 s exactly-once, a replayable
 * file source) and through Keyflow with the bundled Cassandra (durable acknowledged ingest over HTTP
 * by the load generator: one node, then three), on the same generated events, one after the other on
 * this machine; then the journal ceiling (the fenced append alone at the same bytes per append) and,
 * unless {@code -Dbench.chaos=false}, the chaos runner's recovery and rebalance figures. Every run
 * must give Flink's window results exactly; the report goes to load-tests/results/DATE.md. Only with
 * -Pbench ({@code bin/keyflow bench}); reported, never asserted as timings.
 */
class ClicksSideBySideIT {

  private static final int REQUESTS = Integer.getInteger("bench.requests", 100);
  private static final int BATCH = Integer.getInteger("bench.batch", 5_000);
  private static final int KEYS = 1_000;
  private static final long SEED = 1;
  private static final long START = 1_700_000_000_000L;
  private static final long DISORDER_MS = 500;
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 32);
  /** Covers the generator's disorder plus the reordering of the concurrent requests (1 ms of event time per event). */
  private static final long BOUND_MS = Math.max(30_000, 3L * CONCURRENCY * BATCH);
  private static final boolean THREE_NODES = Boolean.parseBoolean(System.getProperty("bench.three-nodes", "true"));
  private static final boolean CHAOS = Boolean.parseBoolean(System.getProperty("bench.chaos", "true"));
  /** Appends in flight in the ceiling run: keyflow.journal.max-concurrent-appends of one node. */
  private static final int NODE_APPENDS_IN_FLIGHT = 16;

  private final Path home = Path.of("..").toAbsolutePath().normalize();

  /** Flink's figures and results. */
  record FlinkRun(Map<String, String> results, long netRuntimeMs, long wallMs) {
    /** The windows as Keyflow's are read back: "user|start n/amount", sorted. */
    List<String> lines() {
      return results.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).sorted().toList();
    }
  }

  @Test
  void keyflowAndFlinkGiveTheSameWindowsOnTheSameClicks() throws Exception {
    long events = (long) REQUESTS * BATCH;
    EventGenerator generator = new EventGenerator(SEED, KEYS, BATCH, "user", "ts", START, 1, DISORDER_MS);
    Path data = home.resolve("load-tests/target/bench/clicks.ndjson");
    Files.createDirectories(data.getParent());
    try (Writer w = Files.newBufferedWriter(data, StandardCharsets.UTF_8)) {
      for (int i = 0; i < REQUESTS; i++) {
        w.write(generator.batch(i));
      }
    }

    ProcessUsage beforeFlink = ProcessUsage.self();
    FlinkRun flink = runFlink(data);
    ProcessUsage afterFlink = ProcessUsage.self();

    KeyflowBenchRun keyflow = new KeyflowBenchRun(home);
    List<String> load = List.of("--batch", "" + BATCH, "--requests", "" + REQUESTS, "--concurrency", "" + CONCURRENCY,
        "--keys", "" + KEYS, "--seed", "" + SEED, "--start-ts", "" + START, "--disorder-ms", "" + DISORDER_MS,
        "--warmup", "3s");
    long finalWatermark = START + 10_000_000_000L;
    String run = Long.toString(System.currentTimeMillis(), 36);
    KeyflowBenchRun.Outcome one = keyflow.run(1, "bench_" + run + "_1", pipelineConf("bench_" + run + "_1"), load,
        finalWatermark, true, NODE_APPENDS_IN_FLIGHT, ClicksSideBySideIT::window);
    KeyflowBenchRun.Outcome three = THREE_NODES
        ? keyflow.run(3, "bench_" + run + "_3", pipelineConf("bench_" + run + "_3"), load, finalWatermark, false, 0,
            ClicksSideBySideIT::window)
        : null;
    List<String> chaos = CHAOS ? chaos() : List.of();

    double flinkRate = events * 1000.0 / flink.netRuntimeMs();
    int cores = Runtime.getRuntime().availableProcessors();
    StringBuilder report = new StringBuilder(String.format(Locale.ROOT, """
        # Keyflow and Flink side by side — %s

        Workload `clicks`: %,d events (%d requests of %,d), %,d users, amount 1–100, event time 1 ms apart with up
        to %d ms disorder; count and sum of amount per user per 10 s tumbling window; out-of-orderness bound %d ms
        on both sides (covers the disorder and the reordering of %d concurrent requests of %,d events), so nothing
        is late. Same machine (%d cores), one after the other. Flink reads a replayable file and checkpoints
        every second (exactly-once); Keyflow acknowledges a request only when every event of it is in the fenced
        Cassandra journal (one lightweight transaction per append), so an acknowledged event survives kill -9.
        Start-up is excluded on both sides (Flink: the job's net runtime; Keyflow: after a 3 s warm-up).

        | system | how | events/s | ack latency p50 / p99 / p99.9 | window results = Flink's |
        |---|---|---|---|---|
        | Apache Flink 2.3.0 | MiniCluster, parallelism %d, checkpoints 1 s exactly-once, file source | %,.0f | — (net runtime %,d ms, wall %,d ms incl. start-up) | — (%,d windows) |
        """, LocalDate.now(), events, REQUESTS, BATCH, KEYS, DISORDER_MS, BOUND_MS, CONCURRENCY, BATCH, cores, cores,
        flinkRate, flink.netRuntimeMs(), flink.wallMs(), flink.results().size()));
    for (KeyflowBenchRun.Outcome o : three == null ? List.of(one) : List.of(one, three)) {
      report.append(String.format(Locale.ROOT,
          "| Keyflow | %d node(s) + bundled Cassandra, HTTP NDJSON, %d requests in flight | %,.0f | %.0f / %.0f / %.0f ms | %s |%n",
          o.nodes(), CONCURRENCY, o.eventsPerSecond(), o.number("p50_ms"), o.number("p99_ms"), o.number("p999_ms"),
          o.lines().equals(flink.lines())));
    }
    report.append(String.format(Locale.ROOT, """

        Keyflow (1 node) / Flink: **%.3f**.%s

        Journal ceiling (same run, node idle, Cassandra as left by the run): the fenced append alone — one
        conditional batch per append, %d persistence ids appending one after the other as the node's %d appends in
        flight do, %,.0f bytes per append (%,.0f records of %.1f bytes, what the node's group commit wrote on
        average) — takes %,.0f appends/s, p50 %.1f ms, p99 %.1f ms: **%,.0f records/s**. Keyflow's ingest reaches
        %.2f of it (the rest is HTTP, parsing, routing, the operator, results and snapshots, on the same cores).

        CPU and memory (CPU seconds during the measured load; peak RSS):

        | process | CPU s | CPU s per million events | peak RSS |
        |---|---|---|---|
        | Flink MiniCluster (test JVM: source, job, sink) | %.1f | %.1f | %,.0f MiB (test JVM so far) |
        | Keyflow node (1-node run) | %.1f | %.1f | %,.0f MiB |
        | bundled Cassandra (1-node run: journal, snapshots, results) | %.1f | %.1f | %,.0f MiB |
        | Keyflow load generator (test JVM, 1-node run) | %.1f | %.1f | — |
        """, one.eventsPerSecond() / flinkRate,
        three == null ? "" : String.format(Locale.ROOT, " Three nodes on the same 2 cores: %,.0f events/s (%.2f × one node).",
            three.eventsPerSecond(), three.eventsPerSecond() / one.eventsPerSecond()),
        NODE_APPENDS_IN_FLIGHT, NODE_APPENDS_IN_FLIGHT, one.bytesPerRecord() * one.recordsPerAppend(),
        one.recordsPerAppend(), one.bytesPerRecord(), one.ceiling().appendsPerSecond(), one.ceiling().p50Ms(),
        one.ceiling().p99Ms(), one.ceilingRecordsPerSecond(), one.eventsPerSecond() / one.ceilingRecordsPerSecond(),
        afterFlink.cpuSecondsSince(beforeFlink), perMillion(afterFlink.cpuSecondsSince(beforeFlink), events),
        afterFlink.peakRssMiB(), one.nodeCpuSeconds(), perMillion(one.nodeCpuSeconds(), events), one.nodePeakRssMiB(),
        one.cassandraCpuSeconds(), perMillion(one.cassandraCpuSeconds(), events), one.cassandraPeakRssMiB(),
        one.loaderCpuSeconds(), perMillion(one.loaderCpuSeconds(), events)));
    if (!chaos.isEmpty()) {
      report.append("""

          Recovery and rebalancing (`bin/keyflow chaos kill leave-join`, 3 nodes under the chaos clients' load;
          recovery_s = kill -9 or leave to the first 2xx of a moved key group, recovery_all_s = to the last one,
          pause_max_s = the longest a client waited for one request):

          """);
      chaos.forEach(line -> report.append("    ").append(line).append('\n'));
    }
    Path reportFile = home.resolve("load-tests/results/" + LocalDate.now() + ".md");
    Files.createDirectories(reportFile.getParent());
    Files.writeString(reportFile, report);
    System.out.println(report);
    assertThat(one.lines()).isEqualTo(flink.lines());
    if (three != null) {
      assertThat(three.lines()).isEqualTo(flink.lines());
    }
  }

  private static String window(JsonNode r) {
    return r.get("key").asText() + "|" + r.get("window_start").asLong() + " " + r.get("values").get("n").asLong() + "/"
        + r.get("values").get("amount").asLong();
  }

  private static String pipelineConf(String pipeline) {
    return "keyflow.pipelines." + pipeline + " {\n  key-field = user\n  max-out-of-orderness = " + BOUND_MS
        + "ms\n  window { type = tumbling, size = 10s }\n"
        + "  aggregations = [ { name = n, fn = count }, { name = amount, fn = sum, field = amount } ]\n}\n";
  }

  /** The chaos runner's kill and leave-join scenarios; its scenario= lines. */
  private List<String> chaos() throws IOException, InterruptedException {
    Path log = home.resolve("load-tests/target/bench/chaos.log");
    Process p = new ProcessBuilder(home.resolve("bin/keyflow").toString(), "chaos", "kill", "leave-join",
        "--duration", System.getProperty("bench.chaos-duration", "40s"), "--seed", "7")
        .directory(home.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(20, TimeUnit.MINUTES)) {
      p.destroy();
    }
    return Files.readAllLines(log).stream().filter(l -> l.startsWith("scenario=")).toList();
  }

  private FlinkRun runFlink(Path data) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
        Runtime.getRuntime().availableProcessors());
    env.enableCheckpointing(1_000, CheckpointingMode.EXACTLY_ONCE);
    FileSource<String> source = FileSource.forRecordStreamFormat(new TextLineInputFormat(),
        new org.apache.flink.core.fs.Path(data.toUri())).build();
    DataStream<String> windows = env.fromSource(source, WatermarkStrategy.noWatermarks(), "clicks")
        .map(new ParseClick()).returns(Types.TUPLE(Types.STRING, Types.LONG, Types.LONG))
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Tuple3<String, Long, Long>>forBoundedOutOfOrderness(
            Duration.ofMillis(BOUND_MS)).withTimestampAssigner((e, previous) -> e.f1))
        .keyBy(e -> e.f0, Types.STRING)
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .aggregate(new CountSum(), new Format());
    var iterator = windows.collectAsync();
    long started = System.nanoTime();
    JobClient job = env.executeAsync("keyflow-bench clicks");
    Map<String, String> results = new TreeMap<>();
    try (iterator) {
      while (iterator.hasNext()) {
        String[] line = iterator.next().split(" ");
        results.put(line[0], line[1]);
      }
    }
    JobExecutionResult done = job.getJobExecutionResult().get(10, TimeUnit.MINUTES);
    return new FlinkRun(results, done.getNetRuntime(TimeUnit.MILLISECONDS), (System.nanoTime() - started) / 1_000_000);
  }

  /** {"user":"u7","ts":…,"amount":…} → (user, ts, amount). */
  static final class ParseClick implements MapFunction<String, Tuple3<String, Long, Long>> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public Tuple3<String, Long, Long> map(String line) throws IOException {
      JsonNode e = MAPPER.readTree(line);
      return Tuple3.of(e.get("user").asText(), e.get("ts").asLong(), e.get("amount").asLong());
    }
  }

  static final class CountSum implements AggregateFunction<Tuple3<String, Long, Long>, long[], long[]> {
    @Override
    public long[] createAccumulator() {
      return new long[2];
    }

    @Override
    public long[] add(Tuple3<String, Long, Long> e, long[] acc) {
      acc[0]++;
      acc[1] += e.f2;
      return acc;
    }

    @Override
    public long[] getResult(long[] acc) {
      return acc;
    }

    @Override
    public long[] merge(long[] a, long[] b) {
      return new long[] {a[0] + b[0], a[1] + b[1]};
    }
  }

  static final class Format extends ProcessWindowFunction<long[], String, String, TimeWindow> {
    @Override
    public void process(String key, Context context, Iterable<long[]> elements, Collector<String> out) {
      long[] acc = elements.iterator().next();
      out.collect(key + "|" + context.window().getStart() + " " + acc[0] + "/" + acc[1]);
    }
  }

  private static double perMillion(double seconds, long events) {
    return seconds * 1_000_000 / events;
  }
}
