package io.keyflow.pipeline;

import java.time.Duration;

/** Fixed-size, non-overlapping event-time windows aligned to the epoch (plus an offset). */
public record TumblingEventTimeWindows(WindowSpec.Tumbling spec) implements WindowAssigner {

  public static TumblingEventTimeWindows of(Duration size) {
    return new TumblingEventTimeWindows(new WindowSpec.Tumbling(size.toMillis(), 0));
  }

  /** Windows start at {@code offset} past each multiple of {@code size} (Flink's offset, e.g. for time zones). */
  public static TumblingEventTimeWindows of(Duration size, Duration offset) {
    return new TumblingEventTimeWindows(new WindowSpec.Tumbling(size.toMillis(), offset.toMillis()));
  }

  @Override
  public boolean isProcessingTime() {
    return false;
  }
}
