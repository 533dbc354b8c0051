package io.keyflow.loadtests.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.loadtests.LoadTimeline;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

/**
 * The clicks job on Apache Flink 2.3 (local MiniCluster in this JVM, parallelism = cores,
 * checkpoints every 1 s exactly-once, a replayable file source): count and sum of amount per user per
 * 10 s tumbling event-time window.
 *
 * <p>Its steady state is measured apart from its start-up: the job runs twice on the same file, and
 * of the second run the rate counts only the events between the 10 % and the 90 % mark of its parse
 * step (so neither the JIT warm-up, the deployment of the tasks, nor the final flush of the windows is
 * in it); the net runtime of both runs is reported too.
 *
 * <p>Over time: a thread of the caller reads the count of parsed events every 100 ms, so the job
 * itself does no more per event than it did for the steady rate.
 */
final class FlinkClicks {

  /** Events parsed by the running job, over all its subtasks (the MiniCluster runs in this JVM). */
  private static final AtomicLong PARSED = new AtomicLong();
  private static final AtomicLong AT_FIRST = new AtomicLong();
  private static final AtomicLong AT_10 = new AtomicLong();
  private static final AtomicLong AT_90 = new AtomicLong();
  private static final AtomicLong AT_LAST = new AtomicLong();
  private static volatile long marks;
  private static final long SAMPLE_MS = 100;

  /**
   * One run: the windows ("user|start n/amount"), its net runtime, its wall time, its steady rate;
   * {@code eventsPerSecond} at each sample (events parsed in the 100 ms before it, per second; t in
   * seconds since the job was submitted) and {@code marks}: the first and last event parsed, and the
   * 10 % and 90 % marks the steady rate lies between.
   */
  record Run(Map<String, String> results, long netRuntimeMs, long wallMs, double steadyEventsPerSecond,
      List<LoadTimeline.Point> eventsPerSecond, List<LoadTimeline.Mark> marks) {
    List<String> lines() {
      return results.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).sorted().toList();
    }
  }

  private FlinkClicks() {}

  /** Runs the job on {@code data} ({@code events} lines) with out-of-orderness {@code boundMs}. */
  static Run run(Path data, long events, long boundMs) throws Exception {
    PARSED.set(0);
    AT_FIRST.set(0);
    AT_10.set(0);
    AT_90.set(0);
    AT_LAST.set(0);
    marks = events;
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
        Runtime.getRuntime().availableProcessors());
    env.enableCheckpointing(1_000, CheckpointingMode.EXACTLY_ONCE);
    FileSource<String> source = FileSource.forRecordStreamFormat(new TextLineInputFormat(),
        new org.apache.flink.core.fs.Path(data.toUri())).build();
    DataStream<String> windows = env.fromSource(source, WatermarkStrategy.noWatermarks(), "clicks")
        .map(new ParseClick()).returns(Types.TUPLE(Types.STRING, Types.LONG, Types.LONG))
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Tuple3<String, Long, Long>>forBoundedOutOfOrderness(
            Duration.ofMillis(boundMs)).withTimestampAssigner((e, previous) -> e.f1))
        .keyBy(e -> e.f0, Types.STRING)
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .aggregate(new CountSum(), new Format());
    var iterator = windows.collectAsync();
    long started = System.nanoTime();
    List<LoadTimeline.Point> rate = new CopyOnWriteArrayList<>();
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "flink-clicks-sampler");
      t.setDaemon(true);
      return t;
    });
    long[] last = {started, 0};
    sampler.scheduleAtFixedRate(() -> {
      long now = System.nanoTime();
      long parsed = PARSED.get();
      rate.add(new LoadTimeline.Point((now - started) / 1e9, (parsed - last[1]) * 1e9 / Math.max(1, now - last[0])));
      last[0] = now;
      last[1] = parsed;
    }, SAMPLE_MS, SAMPLE_MS, TimeUnit.MILLISECONDS);
    JobClient job = env.executeAsync("keyflow-bench clicks");
    Map<String, String> results = new TreeMap<>();
    JobExecutionResult done;
    try (iterator) {
      while (iterator.hasNext()) {
        String[] line = iterator.next().split(" ");
        results.put(line[0], line[1]);
      }
      done = job.getJobExecutionResult().get(10, TimeUnit.MINUTES);
    } finally {
      sampler.shutdownNow();
      sampler.awaitTermination(5, TimeUnit.SECONDS);
    }
    long wallMs = (System.nanoTime() - started) / 1_000_000;
    double steady = AT_90.get() > AT_10.get() && AT_10.get() > 0
        ? (events * 0.8) * 1e9 / (AT_90.get() - AT_10.get()) : Double.NaN;
    List<LoadTimeline.Mark> phases = new ArrayList<>();
    mark(phases, started, AT_FIRST, "first event");
    mark(phases, started, AT_10, "10 %: steady window begins");
    mark(phases, started, AT_90, "90 %: steady window ends");
    mark(phases, started, AT_LAST, "last event");
    return new Run(results, done.getNetRuntime(TimeUnit.MILLISECONDS), wallMs, steady, List.copyOf(rate),
        List.copyOf(phases));
  }

  private static void mark(List<LoadTimeline.Mark> phases, long started, AtomicLong at, String label) {
    if (at.get() != 0) {
      phases.add(new LoadTimeline.Mark((at.get() - started) / 1e9, label));
    }
  }

  /** {"user":"u7","ts":…,"amount":…} → (user, ts, amount); marks the first, 10 %, 90 % and last event of the run. */
  static final class ParseClick implements MapFunction<String, Tuple3<String, Long, Long>> {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public Tuple3<String, Long, Long> map(String line) throws IOException {
      long n = PARSED.incrementAndGet();
      if (n == 1) {
        AT_FIRST.set(System.nanoTime());
      } else if (n == marks / 10) {
        AT_10.set(System.nanoTime());
      } else if (n == marks * 9 / 10) {
        AT_90.set(System.nanoTime());
      } else if (n == marks) {
        AT_LAST.set(System.nanoTime());
      }
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
}
