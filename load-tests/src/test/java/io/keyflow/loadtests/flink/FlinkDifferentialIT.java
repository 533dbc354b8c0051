package io.keyflow.loadtests.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.WatermarkStrategy;
import io.keyflow.pipeline.WindowAssigner;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.testkit.PipelineTestHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple4;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same random streams through a Flink job on a local MiniCluster and through Keyflow's operator
 * core give identical window results — every firing, re-fires within allowed lateness included — and
 * identical late side outputs, for tumbling, sliding and session windows, with and without lateness.
 *
 * <p>To compare like with like, Flink runs at parallelism 1 with a watermark generator that emits
 * {@code max ts − bound − 1} after every event (so each event is judged against the watermark from
 * before it), and Keyflow runs one key group with one event per request. Explicit watermarks are
 * marker elements in Flink and {@code processWatermark} in Keyflow. Many streams share one Flink job:
 * stream i is shifted to start at i × 10⁹ ms, so the first event of stream i flushes stream i − 1
 * exactly as Keyflow's final watermark does.
 */
class FlinkDifferentialIT {

  private static final long SHIFT = 1_000_000_000L;
  private static final int STREAMS = Integer.getInteger("flink.streams", 1000);
  private static final long BOUND = 200;
  private static final TypeInformation<Tuple4<String, Long, Long, Long>> EVENT =
      Types.TUPLE(Types.STRING, Types.LONG, Types.LONG, Types.LONG);

  /** A window configuration on both sides. */
  record Case(String name, WindowAssigner keyflow,
      org.apache.flink.streaming.api.windowing.assigners.WindowAssigner<Object, TimeWindow> flink,
      long lateness, long alignedSize) {
    @Override
    public String toString() {
      return name;
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    for (long lateness : new long[] {0, 400}) {
      cases.add(new Case("tumbling 1s, lateness " + lateness,
          io.keyflow.pipeline.TumblingEventTimeWindows.of(Duration.ofSeconds(1)),
          (org.apache.flink.streaming.api.windowing.assigners.WindowAssigner) TumblingEventTimeWindows.of(Duration.ofSeconds(1)),
          lateness, 1_000));
      cases.add(new Case("sliding 1s/250ms, lateness " + lateness,
          io.keyflow.pipeline.SlidingEventTimeWindows.of(Duration.ofSeconds(1), Duration.ofMillis(250)),
          (org.apache.flink.streaming.api.windowing.assigners.WindowAssigner) SlidingEventTimeWindows.of(Duration.ofSeconds(1), Duration.ofMillis(250)),
          lateness, 250));
      cases.add(new Case("session 300ms, lateness " + lateness,
          io.keyflow.pipeline.EventTimeSessionWindows.withGap(Duration.ofMillis(300)),
          (org.apache.flink.streaming.api.windowing.assigners.WindowAssigner) EventTimeSessionWindows.withGap(Duration.ofMillis(300)),
          lateness, 300));
    }
    return cases;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void keyflowGivesFlinksWindowResults(Case c) throws Exception {
    Random random = new Random(c.name().hashCode());
    List<List<Tuple4<String, Long, Long, Long>>> streams = new ArrayList<>();
    for (int i = 0; i < STREAMS; i++) {
      streams.add(stream(random, i, c.alignedSize()));
    }
    Map<Integer, List<String>> flink = runFlink(c, streams);
    int firings = 0;
    int late = 0;
    for (int i = 0; i < STREAMS; i++) {
      List<String> keyflow = runKeyflow(c, streams.get(i));
      assertThat(keyflow).as("stream %d of %s", i, c.name()).isEqualTo(flink.getOrDefault(i, List.of()));
      firings += keyflow.stream().filter(s -> s.startsWith("R")).count();
      late += keyflow.stream().filter(s -> s.startsWith("L")).count();
    }
    System.out.printf("%s: %d streams, %d firings and %d late records identical to Flink%n", c.name(), STREAMS, firings, late);
    assertThat(firings).isPositive();
    if (c.lateness() == 0) {
      assertThat(late).isPositive();
    }
  }

  /** Events (f3 = 0: key, ts, value) and watermark markers (f3 = 1, f1 = watermark) of stream i. */
  private static List<Tuple4<String, Long, Long, Long>> stream(Random random, int i, long size) {
    List<Tuple4<String, Long, Long, Long>> out = new ArrayList<>();
    long base = i * SHIFT;
    long cursor = 0;
    for (int n = 0, count = 20 + random.nextInt(120); n < count; n++) {
      int kind = random.nextInt(20);
      if (kind == 0) {
        out.add(Tuple4.of("", base + cursor - random.nextInt(600), 0L, 1L));
        continue;
      }
      cursor += random.nextInt(90);
      long ts;
      if (kind == 1) {
        ts = (cursor / size) * size - 1; // exactly end − 1 of a window
      } else if (kind == 2) {
        ts = (cursor / size) * size; // exactly the start (= previous end)
      } else if (kind == 3) {
        ts = cursor - 700 - random.nextInt(900); // far behind: beyond the bound, often beyond lateness
      } else {
        ts = cursor - random.nextInt(350);
      }
      out.add(Tuple4.of("s" + i + "-k" + random.nextInt(4), base + Math.max(0, ts), (long) random.nextInt(100) - 10, 0L));
    }
    return out;
  }

  private static List<String> runKeyflow(Case c, List<Tuple4<String, Long, Long, Long>> stream) {
    Pipeline pipeline = Pipeline.named("flinkdiff").maxKeyGroups(1).keyBy("key")
        .eventTime("ts", WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(BOUND)))
        .window(c.keyflow()).allowedLateness(Duration.ofMillis(c.lateness())).sideOutputLateData("late")
        .aggregate(Aggregations.count("n").sum("s", "v"));
    PipelineTestHarness h = PipelineTestHarness.of(pipeline);
    for (var e : stream) {
      if (e.f3 == 1) {
        h.processWatermark(e.f1);
      } else {
        h.processElement(Map.of("key", e.f0, "ts", e.f1, "v", e.f2));
      }
    }
    h.processWatermark(Long.MAX_VALUE);
    List<String> lines = new ArrayList<>();
    for (WindowResult r : h.results()) {
      lines.add(result(r.key(), r.windowStart(), r.windowEnd(), (Long) r.values().get("n"), (Long) r.values().get("s")));
    }
    h.lateRecords().forEach(r -> lines.add(lateLine(r.key(), r.ts(), r.longValue("v"))));
    lines.sort(null);
    return lines;
  }

  private static String result(String key, long start, long end, long n, long sum) {
    long base = Long.parseLong(key.substring(1, key.indexOf('-'))) * SHIFT;
    return "R " + key + " [" + (start - base) + "," + (end - base) + ") n=" + n + " s=" + sum;
  }

  private static String lateLine(String key, long ts, long v) {
    long base = Long.parseLong(key.substring(1, key.indexOf('-'))) * SHIFT;
    return "L " + key + " ts=" + (ts - base) + " v=" + v;
  }

  private static Map<Integer, List<String>> runFlink(Case c, List<List<Tuple4<String, Long, Long, Long>>> streams)
      throws Exception {
    List<Tuple4<String, Long, Long, Long>> all = new ArrayList<>();
    streams.forEach(all::addAll);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
    OutputTag<Tuple4<String, Long, Long, Long>> lateTag = new OutputTag<>("late", EVENT);
    DataStream<Tuple4<String, Long, Long, Long>> events = env.fromData(all, EVENT)
        .assignTimestampsAndWatermarks(org.apache.flink.api.common.eventtime.WatermarkStrategy
            .<Tuple4<String, Long, Long, Long>>forGenerator(ctx -> new PerEventWatermarks(BOUND))
            .withTimestampAssigner((e, previous) -> e.f1))
        .filter(e -> e.f3 == 0);
    SingleOutputStreamOperator<String> fired = events
        .keyBy(e -> e.f0, Types.STRING)
        .window(c.flink())
        .allowedLateness(Duration.ofMillis(c.lateness()))
        .sideOutputLateData(lateTag)
        .aggregate(new CountSum(), new WithWindow());
    DataStream<String> late = fired.getSideOutput(lateTag).map(e -> lateLine(e.f0, e.f1, e.f2)).returns(Types.STRING);
    Map<Integer, List<String>> byStream = new TreeMap<>();
    try (var it = fired.union(late).executeAndCollect("keyflow-differential " + c.name())) {
      while (it.hasNext()) {
        String line = it.next();
        int stream = Integer.parseInt(line.substring(3, line.indexOf('-')));
        byStream.computeIfAbsent(stream, s -> new ArrayList<>()).add(line);
      }
    }
    byStream.values().forEach(l -> l.sort(null));
    return byStream;
  }

  /** Emits max ts − bound − 1 after every event; a marker emits its own watermark. */
  static final class PerEventWatermarks implements WatermarkGenerator<Tuple4<String, Long, Long, Long>> {
    private final long bound;
    private long max = Long.MIN_VALUE;

    PerEventWatermarks(long bound) {
      this.bound = bound;
    }

    @Override
    public void onEvent(Tuple4<String, Long, Long, Long> e, long timestamp, WatermarkOutput output) {
      if (e.f3 == 1) {
        output.emitWatermark(new Watermark(e.f1));
        return;
      }
      max = Math.max(max, e.f1);
      output.emitWatermark(new Watermark(max - bound - 1));
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {}
  }

  static final class CountSum implements AggregateFunction<Tuple4<String, Long, Long, Long>, long[], long[]> {
    @Override
    public long[] createAccumulator() {
      return new long[2];
    }

    @Override
    public long[] add(Tuple4<String, Long, Long, Long> e, long[] acc) {
      return new long[] {acc[0] + 1, acc[1] + e.f2};
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

  static final class WithWindow extends ProcessWindowFunction<long[], String, String, TimeWindow> {
    @Override
    public void process(String key, Context context, Iterable<long[]> elements, Collector<String> out) {
      long[] acc = elements.iterator().next();
      out.collect(result(key, context.window().getStart(), context.window().getEnd(), acc[0], acc[1]));
    }
  }
}
