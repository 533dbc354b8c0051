package io.keyflow.loadtests.flink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.loadtests.bench.KeyflowBenchRun;
import io.keyflow.loadtests.nexmark.NexmarkConfig;
import io.keyflow.loadtests.nexmark.NexmarkEvent;
import io.keyflow.loadtests.nexmark.NexmarkGenerator;
import io.keyflow.loadtests.nexmark.NexmarkModel;
import io.keyflow.loadtests.nexmark.NexmarkQuery;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.junit.jupiter.api.Test;

/**
 * Nexmark q5 (hot items, two stages) and q11 (bidder sessions) through Apache Flink 2.3 (MiniCluster,
 * parallelism = cores, checkpoints every second exactly-once, the bids as an NDJSON file parsed like
 * Keyflow parses them) and through one Keyflow node with the bundled Cassandra (the shipped
 * {@code cluster-config/nexmark.conf}, bids pushed over HTTP by the load generator, every bid durable
 * before its 200), on the same generated bids. Both must give {@link NexmarkModel}'s results exactly;
 * events/s and events/s per core go to load-tests/results/DATE-nexmark.md. Only with -Pbench
 * ({@code bin/keyflow bench nexmark}); reported, never asserted as timings.
 */
class NexmarkSideBySideIT {

  private static final int REQUESTS = Integer.getInteger("bench.requests", 100);
  private static final int BATCH = Integer.getInteger("bench.batch", 2_000);
  private static final int CONCURRENCY = Integer.getInteger("bench.concurrency", 16);
  private static final long SEED = 5;
  /**
   * Bids per second of event time: high enough that the reordering of the requests in flight
   * (CONCURRENCY × BATCH bids) plus the generator's jitter stays below the queries' 2 s bound.
   */
  private static final long EVENT_RATE = 100_000;
  private static final long JITTER_MS = 500;

  private final Path home = Path.of("..").toAbsolutePath().normalize();
  private final ObjectMapper json = new ObjectMapper();

  record FlinkRun(List<String> results, long netRuntimeMs) {}

  @Test
  void hotItemsAndBidderSessionsSideBySide() throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    StringBuilder report = new StringBuilder(String.format(Locale.ROOT, """
        # Nexmark q5 and q11: Keyflow and Flink side by side — %s

        %,d bids per query (%d requests of %,d, %d in flight; the Nexmark generator, seed %d, %,d events/s of event
        time, %d ms jitter, below the queries' 2 s out-of-orderness bound, so no bid is late). Flink 2.3 MiniCluster,
        parallelism %d, checkpoints 1 s exactly-once, bids from an NDJSON file; Keyflow: one node + bundled Cassandra,
        `cluster-config/nexmark.conf`, bids over HTTP, each durable before its 200. Same machine (%d cores), one
        after the other; start-up excluded on both sides. Both checked against the independent model.

        | query | Flink events/s | Flink per core | Keyflow events/s | Keyflow per core | Keyflow / Flink | Keyflow ack p99 | Flink = model | Keyflow = model |
        |---|---|---|---|---|---|---|---|---|
        """, LocalDate.now(), (long) REQUESTS * BATCH, REQUESTS, BATCH, CONCURRENCY, SEED, EVENT_RATE, JITTER_MS,
        cores, cores));
    boolean allMatch = true;
    for (NexmarkQuery query : List.of(NexmarkQuery.parse("q5"), NexmarkQuery.parse("q11"))) {
      List<NexmarkEvent> bids = bids(query);
      List<String> model = query.id().equals("q5")
          ? NexmarkModel.q5(bids).stream().map(NexmarkSideBySideIT::hotLine).sorted().toList()
          : NexmarkModel.q11(bids).stream().map(NexmarkSideBySideIT::sessionLine).sorted().toList();
      Path file = home.resolve("load-tests/target/bench/nexmark-" + query.id() + ".ndjson");
      Files.createDirectories(file.getParent());
      try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
        for (NexmarkEvent b : bids) {
          w.write(json.writeValueAsString(b.fields()));
          w.write('\n');
        }
      }
      FlinkRun flink = runFlink(query.id(), file);
      KeyflowBenchRun.Outcome keyflow = new KeyflowBenchRun(home).run(1, query.pipelineName(),
          Files.readString(home.resolve("cluster-config/nexmark.conf")),
          List.of("--workload", "nexmark", "--query", query.id(), "--batch", "" + BATCH, "--requests", "" + REQUESTS,
              "--concurrency", "" + CONCURRENCY, "--seed", "" + SEED, "--event-rate", "" + EVENT_RATE,
              "--disorder-ms", "" + JITTER_MS, "--start-ts", "" + NexmarkConfig.BASE_TIME, "--warmup", "3s"),
          bids.get(bids.size() - 1).ts() + 3_600_000, false, 0,
          query.id().equals("q5") ? NexmarkSideBySideIT::keyflowHotLine : NexmarkSideBySideIT::keyflowSessionLine);
      double flinkRate = bids.size() * 1000.0 / flink.netRuntimeMs();
      List<String> keyflowLines = keyflow.lines().stream().sorted().toList();
      boolean flinkMatches = flink.results().equals(model);
      boolean keyflowMatches = keyflowLines.equals(model);
      allMatch &= flinkMatches && keyflowMatches;
      report.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %,.0f | %.3f | %.0f ms | %s (%,d rows) | %s |%n",
          query.id(), flinkRate, flinkRate / cores, keyflow.eventsPerSecond(), keyflow.eventsPerSecond() / cores,
          keyflow.eventsPerSecond() / flinkRate, keyflow.number("p99_ms"), flinkMatches, model.size(), keyflowMatches));
    }
    Path reportFile = home.resolve("load-tests/results/" + LocalDate.now() + "-nexmark.md");
    Files.createDirectories(reportFile.getParent());
    Files.writeString(reportFile, report);
    System.out.println(report);
    assertThat(allMatch).as(report.toString()).isTrue();
  }

  /** The bids the load generator sends for this query, in the order of its requests. */
  private static List<NexmarkEvent> bids(NexmarkQuery query) {
    NexmarkGenerator generator = new NexmarkGenerator(new NexmarkConfig(SEED, NexmarkConfig.BASE_TIME, EVENT_RATE, JITTER_MS));
    List<NexmarkEvent> bids = new ArrayList<>();
    for (long m = 0; m < (long) REQUESTS * BATCH; m++) {
      bids.add(generator.event(query.eventNumber(m)));
    }
    return bids;
  }

  private static String hotLine(NexmarkModel.Row r) {
    return r.values().get("window_end") + " bids=" + r.values().get("bids") + " auctions=" + r.values().get("auctions");
  }

  private static String sessionLine(NexmarkModel.Row r) {
    return r.key() + " [" + r.start() + "," + r.end() + ") bids=" + r.values().get("bids");
  }

  private static String keyflowHotLine(JsonNode r) {
    JsonNode v = r.get("values");
    List<Long> auctions = new ArrayList<>();
    v.get("auctions").forEach(a -> auctions.add(a.asLong()));
    return v.get("window_end").asLong() + " bids=" + v.get("bids").asLong() + " auctions=" + auctions;
  }

  private static String keyflowSessionLine(JsonNode r) {
    return r.get("key").asText() + " [" + r.get("window_start").asLong() + "," + r.get("window_end").asLong()
        + ") bids=" + r.get("values").get("bids").asLong();
  }

  private FlinkRun runFlink(String query, Path file) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
        Runtime.getRuntime().availableProcessors());
    env.enableCheckpointing(1_000, CheckpointingMode.EXACTLY_ONCE);
    DataStream<Tuple3<Long, Long, Long>> bids = env.fromSource(FileSource.forRecordStreamFormat(
            new TextLineInputFormat(), new org.apache.flink.core.fs.Path(file.toUri())).build(),
            WatermarkStrategy.noWatermarks(), "bids")
        .map(new ParseBid()).returns(Types.TUPLE(Types.LONG, Types.LONG, Types.LONG))
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Tuple3<Long, Long, Long>>forBoundedOutOfOrderness(
            Duration.ofSeconds(2)).withTimestampAssigner((b, previous) -> b.f2));
    DataStream<String> out = query.equals("q5")
        ? bids.keyBy(b -> b.f0, Types.LONG)
            .window(SlidingEventTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(2)))
            .aggregate(new NexmarkFlinkIT.Count(), new NexmarkFlinkIT.CountPerAuction())
            .keyBy(c -> c.f1, Types.LONG)
            .window(TumblingEventTimeWindows.of(Duration.ofSeconds(2)))
            .process(new NexmarkFlinkIT.MaxPerWindow())
            .map(line -> line.substring(0, line.indexOf(' ')) + line.substring(line.indexOf(')') + 1)).returns(Types.STRING)
        : bids.keyBy(b -> b.f1, Types.LONG)
            .window(EventTimeSessionWindows.withGap(Duration.ofSeconds(10)))
            .aggregate(new NexmarkFlinkIT.Count(), new NexmarkFlinkIT.SessionLine());
    var iterator = out.collectAsync();
    JobClient job = env.executeAsync("keyflow-bench nexmark " + query);
    List<String> results = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(results::add);
    }
    JobExecutionResult done = job.getJobExecutionResult().get(10, TimeUnit.MINUTES);
    results.sort(null);
    return new FlinkRun(results, done.getNetRuntime(TimeUnit.MILLISECONDS));
  }

  /** {"type":"bid","auction":…,"bidder":…,"ts":…} → (auction, bidder, ts). */
  static final class ParseBid implements MapFunction<String, Tuple3<Long, Long, Long>> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public Tuple3<Long, Long, Long> map(String line) throws IOException {
      JsonNode b = MAPPER.readTree(line);
      return Tuple3.of(b.get("auction").asLong(), b.get("bidder").asLong(), b.get("ts").asLong());
    }
  }
}
