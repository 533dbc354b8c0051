package io.keyflow.examples.nexmark;

import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.ReduceFunction;
import io.keyflow.pipeline.TumblingEventTimeWindows;

/**
 * Nexmark q7, highest bid: the bid with the highest price in each 10 s tumbling event-time window
 * (all bids under one key, {@code all}); the result is that bid's fields ({@code auction},
 * {@code bidder}, {@code price}, {@code ts}). Input: bids only.
 *
 * <p>Nexmark reports every bid at the maximum price; a reduce keeps one, so ties are broken
 * deterministically (whatever the arrival order) by the earlier {@code ts}, then the smaller
 * {@code bidder}, then the smaller {@code auction}.
 *
 * <p>Deploy: {@code keyflow.pipelines.nexmark-q7.class = "io.keyflow.examples.nexmark.HighestBid"}.
 */
public final class HighestBid implements PipelineProvider {

  public static final String NAME = "nexmark-q7";

  /** Keeps the higher bid. */
  public static final class HigherBid implements ReduceFunction {
    private static final long serialVersionUID = 1L;

    @Override
    public Record reduce(Record a, Record b) {
      return beats(b, a) ? b : a;
    }

    static boolean beats(Record b, Record a) {
      int c = Long.compare(b.longValue("price"), a.longValue("price"));
      if (c == 0) {
        c = Long.compare(a.longValue("ts"), b.longValue("ts"));
      }
      if (c == 0) {
        c = Long.compare(a.longValue("bidder"), b.longValue("bidder"));
      }
      if (c == 0) {
        c = Long.compare(a.longValue("auction"), b.longValue("auction"));
      }
      return c > 0;
    }
  }

  public static Pipeline build(String name) {
    return Pipeline.named(name)
        .keyBy(e -> "all")
        .eventTime("ts", NexmarkTimes.input())
        .window(TumblingEventTimeWindows.of(NexmarkTimes.WINDOW))
        .reduce(new HigherBid());
  }

  @Override
  public Pipeline pipeline() {
    return build(NAME);
  }
}
