package io.keyflow.loadtests.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.loadtests.nexmark.NexmarkConfig;
import io.keyflow.loadtests.nexmark.NexmarkEvent;
import io.keyflow.loadtests.nexmark.NexmarkGenerator;
import io.keyflow.loadtests.nexmark.NexmarkModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.EventTimeSessionWindows;
import org.apache.flink.streaming.api.windowing.assigners.SlidingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/**
 * Nexmark q5 and q11 written as Flink 2.3 jobs (local MiniCluster, parallelism 2, checkpoints every
 * second) over the same generated bids as {@code NexmarkQueriesTest} (20,000 events, 1.5 s of jitter,
 * Flink's own bounded-out-of-orderness watermarks of 2 s) give exactly {@link NexmarkModel}'s results —
 * the model Keyflow's pipelines are checked against. Only with -Pbench.
 */
class NexmarkFlinkIT {

  private static final long RATE = 200;
  private static final TypeInformation<Tuple3<Long, Long, Long>> BID = Types.TUPLE(Types.LONG, Types.LONG, Types.LONG);

  private final List<NexmarkEvent> events =
      new NexmarkGenerator(new NexmarkConfig(11, NexmarkConfig.BASE_TIME, RATE, 1_500)).events(0, 20_000);

  @Test
  void flinksHotItemsEqualTheModel() throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<String> hot = bids(env)
        .keyBy(b -> b.f0, Types.LONG)
        .window(SlidingEventTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(2)))
        .aggregate(new Count(), new CountPerAuction())
        .keyBy(c -> c.f1, Types.LONG)
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(2)))
        .process(new MaxPerWindow());
    List<String> expected = NexmarkModel.q5(events).stream()
        .map(r -> r.key() + " [" + r.start() + "," + r.end() + ") bids=" + r.values().get("bids")
            + " auctions=" + r.values().get("auctions"))
        .sorted().toList();
    assertThat(collect(hot)).hasSizeGreaterThan(40).containsExactlyElementsOf(expected);
  }

  @Test
  void flinksBidderSessionsEqualTheModel() throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<String> sessions = bids(env)
        .keyBy(b -> b.f1, Types.LONG)
        .window(EventTimeSessionWindows.withGap(Duration.ofSeconds(10)))
        .aggregate(new Count(), new SessionLine());
    List<String> expected = NexmarkModel.q11(events).stream()
        .map(r -> r.key() + " [" + r.start() + "," + r.end() + ") bids=" + r.values().get("bids"))
        .sorted().toList();
    assertThat(collect(sessions)).hasSizeGreaterThan(100).containsExactlyElementsOf(expected);
  }

  private static StreamExecutionEnvironment environment() {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2);
    env.enableCheckpointing(1_000);
    return env;
  }

  /** Bids as (auction, bidder, ts), in event-number order, with Flink's 2 s bounded-out-of-orderness watermarks. */
  private DataStream<Tuple3<Long, Long, Long>> bids(StreamExecutionEnvironment env) {
    List<Tuple3<Long, Long, Long>> bids = new ArrayList<>();
    for (NexmarkEvent e : events) {
      if (e.type().equals(NexmarkEvent.BID)) {
        bids.add(Tuple3.of(e.longField("auction"), e.longField("bidder"), e.ts()));
      }
    }
    return env.fromData(bids, BID).setParallelism(1)
        .assignTimestampsAndWatermarks(WatermarkStrategy.<Tuple3<Long, Long, Long>>forBoundedOutOfOrderness(
            Duration.ofSeconds(2)).withTimestampAssigner((b, previous) -> b.f2));
  }

  private static List<String> collect(DataStream<String> lines) throws Exception {
    List<String> out = new ArrayList<>();
    try (var it = lines.executeAndCollect("nexmark")) {
      it.forEachRemaining(out::add);
    }
    out.sort(null);
    return out;
  }

  static final class Count implements AggregateFunction<Tuple3<Long, Long, Long>, Long, Long> {
    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Tuple3<Long, Long, Long> bid, Long n) {
      return n + 1;
    }

    @Override
    public Long getResult(Long n) {
      return n;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  /** (auction, window end, bids). */
  static final class CountPerAuction extends ProcessWindowFunction<Long, Tuple3<Long, Long, Long>, Long, TimeWindow> {
    @Override
    public void process(Long auction, Context ctx, Iterable<Long> n, Collector<Tuple3<Long, Long, Long>> out) {
      out.collect(Tuple3.of(auction, ctx.window().getEnd(), n.iterator().next()));
    }
  }

  /** The highest count of one sliding window and its auctions, ascending. */
  static final class MaxPerWindow extends ProcessWindowFunction<Tuple3<Long, Long, Long>, String, Long, TimeWindow> {
    @Override
    public void process(Long end, Context ctx, Iterable<Tuple3<Long, Long, Long>> counts, Collector<String> out) {
      long max = -1;
      List<Long> auctions = new ArrayList<>();
      for (Tuple3<Long, Long, Long> c : counts) {
        if (c.f2 > max) {
          max = c.f2;
          auctions.clear();
        }
        if (c.f2 == max) {
          auctions.add(c.f0);
        }
      }
      auctions.sort(null);
      out.collect(end + " [" + ctx.window().getStart() + "," + ctx.window().getEnd() + ") bids=" + max
          + " auctions=" + auctions);
    }
  }

  static final class SessionLine extends ProcessWindowFunction<Long, String, Long, TimeWindow> {
    @Override
    public void process(Long bidder, Context ctx, Iterable<Long> n, Collector<String> out) {
      out.collect(bidder + " [" + ctx.window().getStart() + "," + ctx.window().getEnd() + ") bids="
          + n.iterator().next());
    }
  }
}
