package io.keyflow.examples.nexmark;

import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.TumblingEventTimeWindows;

/**
 * Nexmark q0, pass-through: every event (person, auction, bid) is touched once and counted per
 * {@code type} in 10 s tumbling event-time windows — result {@code {"events": n}} per type and window.
 *
 * <p>Deploy: {@code keyflow.pipelines.nexmark-q0.class = "io.keyflow.examples.nexmark.PassThroughCount"}.
 */
public final class PassThroughCount implements PipelineProvider {

  public static final String NAME = "nexmark-q0";

  public static Pipeline build(String name) {
    return Pipeline.named(name)
        .keyBy("type")
        .eventTime("ts", NexmarkTimes.input())
        .window(TumblingEventTimeWindows.of(NexmarkTimes.WINDOW))
        .aggregate(Aggregations.count("events"));
  }

  @Override
  public Pipeline pipeline() {
    return build(NAME);
  }
}
