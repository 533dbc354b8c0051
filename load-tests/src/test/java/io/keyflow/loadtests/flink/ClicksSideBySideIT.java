package io.keyflow.loadtests.flink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.loadtests.EventGenerator;
import io.keyflow.loadtests.LoadOptions;
import io.keyflow.loadtests.Loader;
import io.keyflow.loadtests.bench.ProcessUsage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * file source) and through one Keyflow node with the bundled Cassandra (durable acknowledged ingest
 * over HTTP by the load generator), on the same generated events, one after the other on this
 * machine. Both must give the same window results; the figures go to load-tests/results/DATE.md.
 * Only with -Pbench; reported, never asserted as timings.
 */
class ClicksSideBySideIT {

  private static final int REQUESTS = Integer.getInteger("bench.requests", 300);
  private static final int BATCH = 1_000;
  private static final int KEYS = 1_000;
  private static final long SEED = 1;
  private static final long START = 1_700_000_000_000L;
  private static final long DISORDER_MS = 500;
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 8);
  /** Covers the generator's disorder plus the reordering of the concurrent requests (1 ms of event time per event). */
  private static final long BOUND_MS = Math.max(30_000, 3L * CONCURRENCY * BATCH);

  private final Path home = Path.of("..").toAbsolutePath().normalize();
  private final ObjectMapper json = new ObjectMapper();

  /** Flink's figures and results. */
  record FlinkRun(Map<String, String> results, long netRuntimeMs, long wallMs) {}

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

    String pipeline = "bench_" + Long.toString(System.currentTimeMillis(), 36);
    Path pipelines = home.resolve("load-tests/target/bench/pipelines.conf");
    Files.writeString(pipelines, "keyflow.pipelines." + pipeline + " {\n  key-field = user\n  max-out-of-orderness = "
        + BOUND_MS + "ms\n  window { type = tumbling, size = 10s }\n"
        + "  aggregations = [ { name = n, fn = count }, { name = amount, fn = sum, field = amount } ]\n}\n");
    keyflow("cluster", "1", "--pipelines", pipelines.toString());
    String loadOutput;
    Map<String, String> keyflowResults;
    ProcessUsage nodeBefore = ProcessUsage.ofPidFile(home.resolve("run/node-1.pid"));
    ProcessUsage cassandraBefore = ProcessUsage.ofPidFile(home.resolve("run/cassandra.pid"));
    ProcessUsage loaderBefore = ProcessUsage.self();
    ProcessUsage nodeAfter;
    ProcessUsage cassandraAfter;
    ProcessUsage loaderAfter;
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new Loader(LoadOptions.parse("--nodes", "http://127.0.0.2:8080", "--pipeline", pipeline, "--batch", "" + BATCH,
          "--requests", "" + REQUESTS, "--concurrency", "" + CONCURRENCY, "--keys", "" + KEYS, "--seed", "" + SEED,
          "--start-ts", "" + START, "--disorder-ms", "" + DISORDER_MS, "--warmup", "3s"),
          new PrintStream(out, true, StandardCharsets.UTF_8)).run();
      loadOutput = out.toString(StandardCharsets.UTF_8);
      nodeAfter = ProcessUsage.of(nodeBefore.pid());
      cassandraAfter = ProcessUsage.of(cassandraBefore.pid());
      loaderAfter = ProcessUsage.self();
      HttpClient http = HttpClient.newHttpClient();
      http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.2:8080/v1/pipelines/" + pipeline + "/watermark"))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
          .POST(HttpRequest.BodyPublishers.ofString("{\"watermark\":" + (START + 10_000_000_000L) + "}")).build(),
          HttpResponse.BodyHandlers.ofString());
      // Results reach the store within seconds of the watermark: wait until every window Flink found is there.
      Map<String, String> found = new TreeMap<>();
      try {
        await("Keyflow's window results").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> {
              found.clear();
              found.putAll(fetchResults(http, pipeline));
              return found.size() >= flink.results().size();
            });
      } catch (org.awaitility.core.ConditionTimeoutException missing) {
        // the comparison below names the windows that differ
      }
      keyflowResults = found;
    } finally {
      keyflow("stop");
    }

    String result = loadOutput.lines().filter(l -> l.startsWith("RESULT")).findFirst().orElse("");
    double keyflowRate = number(result, "events_per_s");
    double flinkRate = events * 1000.0 / flink.netRuntimeMs();
    String report = String.format(Locale.ROOT, """
        # Keyflow and Flink side by side — %s

        Workload `clicks`: %,d events (%d requests of %,d), %,d users, amount 1–100, event time 1 ms apart with up
        to %d ms disorder; count and sum of amount per user per 10 s tumbling window; out-of-orderness bound %d ms
        on both sides (covers the disorder and the reordering of %d concurrent requests), so nothing is late.
        Same machine (%d cores), one after the other.

        | system | how | events/s | notes |
        |---|---|---|---|
        | Apache Flink 2.3.0 | MiniCluster, parallelism %d, checkpoints 1 s exactly-once, file source | %,.0f | job net runtime %,d ms (wall %,d ms incl. start-up) |
        | Keyflow | 1 node + bundled Cassandra, HTTP NDJSON, every event durable before the 200 | %,.0f | %d in flight; ack p50 %.0f ms, p99 %.0f ms (warm-up 3 s excluded) |

        Keyflow / Flink: **%.3f**. Window results identical: %s (%,d windows).

        CPU and memory (CPU seconds over the whole run of each side, start-up excluded for Keyflow; peak RSS):

        | process | CPU s | CPU s per million events | peak RSS |
        |---|---|---|---|
        | Flink MiniCluster (test JVM: source, job, sink) | %.1f | %.1f | %,.0f MiB (test JVM so far) |
        | Keyflow node | %.1f | %.1f | %,.0f MiB |
        | bundled Cassandra (journal, results) | %.1f | %.1f | %,.0f MiB |
        | Keyflow load generator (test JVM) | %.1f | %.1f | — |
        """, LocalDate.now(), events, REQUESTS, BATCH, KEYS, DISORDER_MS, BOUND_MS, CONCURRENCY,
        Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().availableProcessors(), flinkRate,
        flink.netRuntimeMs(), flink.wallMs(), keyflowRate, CONCURRENCY, number(result, "p50_ms"), number(result, "p99_ms"),
        keyflowRate / flinkRate, keyflowResults.equals(flink.results()), flink.results().size(),
        afterFlink.cpuSecondsSince(beforeFlink), perMillion(afterFlink.cpuSecondsSince(beforeFlink), events),
        afterFlink.peakRssMiB(),
        nodeAfter.cpuSecondsSince(nodeBefore), perMillion(nodeAfter.cpuSecondsSince(nodeBefore), events),
        nodeAfter.peakRssMiB(),
        cassandraAfter.cpuSecondsSince(cassandraBefore), perMillion(cassandraAfter.cpuSecondsSince(cassandraBefore), events),
        cassandraAfter.peakRssMiB(),
        loaderAfter.cpuSecondsSince(loaderBefore), perMillion(loaderAfter.cpuSecondsSince(loaderBefore), events));
    Path reportFile = home.resolve("load-tests/results/" + LocalDate.now()
        + (CONCURRENCY == 8 ? "" : "-concurrency-" + CONCURRENCY) + ".md");
    Files.createDirectories(reportFile.getParent());
    Files.writeString(reportFile, report);
    System.out.println(report);
    assertThat(result).as(loadOutput).contains("errors=0");
    assertThat(keyflowResults).isEqualTo(flink.results());
  }

  private Map<String, String> fetchResults(HttpClient http, String pipeline) throws IOException, InterruptedException {
    JsonNode results = json.readTree(http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.2:8080/v1/pipelines/" + pipeline + "/results")).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    Map<String, String> byWindow = new TreeMap<>();
    for (JsonNode r : results) {
      byWindow.put(r.get("key").asText() + "|" + r.get("window_start").asLong(),
          r.get("values").get("n").asLong() + "/" + r.get("values").get("amount").asLong());
    }
    return byWindow;
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

  private void keyflow(String... args) throws IOException, InterruptedException {
    var command = new java.util.ArrayList<String>();
    command.add(home.resolve("bin/keyflow").toString());
    command.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(command).directory(home.toFile()).redirectErrorStream(true)
        .redirectOutput(home.resolve("load-tests/target/bench/keyflow-" + args[0] + ".log").toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("bin/keyflow " + String.join(" ", args) + " failed: "
          + Files.readString(home.resolve("load-tests/target/bench/keyflow-" + args[0] + ".log")));
    }
  }

  private static double perMillion(double seconds, long events) {
    return seconds * 1_000_000 / events;
  }

  private static double number(String resultLine, String name) {
    Matcher m = Pattern.compile(name + "=([0-9.]+)").matcher(resultLine);
    return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
  }
}
