package io.keyflow.examples;

import io.keyflow.pipeline.Collector;
import io.keyflow.pipeline.KeyedProcessFunction;
import io.keyflow.pipeline.OutputTag;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.RuntimeContext;
import io.keyflow.pipeline.ValueState;
import io.keyflow.pipeline.ValueStateDescriptor;
import io.keyflow.pipeline.WatermarkStrategy;
import java.time.Duration;

/**
 * The classic windowless sample (Flink's {@code CountWithTimeoutFunction}): events
 * {@code {"user": "ann", "ts": 1000}} are counted per user in {@link ValueState}; every event moves an
 * event-time timer to {@code ts + 10 s}, and when a user has been quiet for 10 s of event time the timer
 * emits {@code (user, count)} and clears the state. Users who reach 100 events are also reported to the
 * side output {@code busy}.
 *
 * <p>Deploy: {@code keyflow.pipelines.quiet-users.class = "io.keyflow.examples.CountWithTimeout"}.
 */
public final class CountWithTimeout implements PipelineProvider {

  /** Per-user state: the count and the time of the last event. */
  public record CountWithTimestamp(long count, long lastModified) {}

  /** What the timer emits. */
  public record QuietUser(String user, long count, long lastModified) {}

  public static final long TIMEOUT_MS = 10_000;

  public static final OutputTag<String> BUSY = new OutputTag<>("busy");

  /** Counts per key and reports keys that went quiet. */
  public static final class CountWithTimeoutFunction extends KeyedProcessFunction<QuietUser> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<CountWithTimestamp> state;

    @Override
    public void open(RuntimeContext context) {
      state = context.getState(new ValueStateDescriptor<>("count", CountWithTimestamp.class));
    }

    @Override
    public void processElement(Record value, Context ctx, Collector<QuietUser> out) {
      CountWithTimestamp current = state.value();
      if (current != null) {
        ctx.timerService().deleteEventTimeTimer(current.lastModified() + TIMEOUT_MS);
      }
      long count = current == null ? 1 : current.count() + 1;
      long lastModified = current == null ? ctx.timestamp() : Math.max(current.lastModified(), ctx.timestamp());
      state.update(new CountWithTimestamp(count, lastModified));
      ctx.timerService().registerEventTimeTimer(lastModified + TIMEOUT_MS);
      if (count == 100) {
        ctx.output(BUSY, ctx.getCurrentKey());
      }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<QuietUser> out) {
      CountWithTimestamp current = state.value();
      if (current != null && timestamp == current.lastModified() + TIMEOUT_MS) {
        out.collect(new QuietUser(ctx.getCurrentKey(), current.count(), current.lastModified()));
        state.clear();
      }
    }
  }

  public static Pipeline build(String name) {
    return Pipeline.named(name)
        .keyBy(e -> e.string("user"))
        .eventTime(e -> e.ts(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(1)))
        .process(new CountWithTimeoutFunction());
  }

  @Override
  public Pipeline pipeline() {
    return build("quiet-users");
  }
}
