package io.keyflow.examples.nexmark;

import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Collector;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.ProcessWindowFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.SlidingEventTimeWindows;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Nexmark q5, hot items, in two stages. Stage {@code counts}: bids per {@code auction} in sliding
 * event-time windows of 10 s every 2 s. Stage {@code hot}: the counts keyed by their window's end,
 * gathered in a 2 s tumbling window (each count arrives at {@code window_end − 1}, so every count of
 * one sliding window lands in exactly one tumbling window), emit the highest count and every auction
 * that reached it: {@code {"window_end": E, "bids": 7, "auctions": [1000, 1042]}} (auctions ascending).
 * Input: bids only.
 *
 * <p>Deploy: {@code keyflow.pipelines.nexmark-q5.class = "io.keyflow.examples.nexmark.HotItems"}.
 */
public final class HotItems implements PipelineProvider {

  public static final String NAME = "nexmark-q5";

  public static final Duration SLIDE = Duration.ofSeconds(2);

  /** One sliding window's hottest auctions. */
  public record Hot(long window_end, long bids, List<Long> auctions) {}

  /** Picks the auctions with the highest count of one sliding window. */
  public static final class MaxCount extends ProcessWindowFunction<Hot> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(String key, Context context, Iterable<Record> counts, Collector<Hot> out) {
      long max = -1;
      List<Long> auctions = new ArrayList<>();
      for (Record r : counts) {
        long bids = r.longValue("bids");
        if (bids > max) {
          max = bids;
          auctions.clear();
        }
        if (bids == max) {
          auctions.add(Long.parseLong(r.string("key")));
        }
      }
      Collections.sort(auctions);
      out.collect(new Hot(Long.parseLong(key), max, auctions));
    }
  }

  public static Pipeline build(String name) {
    return Pipeline.named(name)
        .keyBy("auction")
        .eventTime("ts", NexmarkTimes.input())
        .window(SlidingEventTimeWindows.of(NexmarkTimes.WINDOW, SLIDE))
        .aggregate(Aggregations.count("bids"))
        .then("hot")
        .keyBy("window_end")
        .eventTime("ts", NexmarkTimes.stage())
        .window(TumblingEventTimeWindows.of(SLIDE))
        .process(new MaxCount());
  }

  @Override
  public Pipeline pipeline() {
    return build(NAME);
  }
}
