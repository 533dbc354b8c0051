package io.keyflow.examples.nexmark;

import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.EventTimeSessionWindows;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import java.time.Duration;

/**
 * Nexmark q11, user sessions: bids per {@code bidder} in event-time session windows with a 10 s gap —
 * result {@code {"bids": n}} per bidder and session {@code [first bid, last bid + 10 s)}. Input: bids only.
 *
 * <p>Deploy: {@code keyflow.pipelines.nexmark-q11.class = "io.keyflow.examples.nexmark.BidderSessions"}.
 */
public final class BidderSessions implements PipelineProvider {

  public static final String NAME = "nexmark-q11";

  public static final Duration GAP = Duration.ofSeconds(10);

  public static Pipeline build(String name) {
    return Pipeline.named(name)
        .keyBy("bidder")
        .eventTime("ts", NexmarkTimes.input())
        .window(EventTimeSessionWindows.withGap(GAP))
        .aggregate(Aggregations.count("bids"));
  }

  @Override
  public Pipeline pipeline() {
    return build(NAME);
  }
}
