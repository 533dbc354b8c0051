package io.keyflow.pipeline;

import java.time.Duration;

/** Fixed-size, non-overlapping processing-time windows. */
public record TumblingProcessingTimeWindows(WindowSpec.Tumbling spec) implements WindowAssigner {

  public static TumblingProcessingTimeWindows of(Duration size) {
    return new TumblingProcessingTimeWindows(new WindowSpec.Tumbling(size.toMillis(), 0));
  }

  /** Windows start at {@code offset} past each multiple of {@code size} (Flink's offset, e.g. for time zones). */
  public static TumblingProcessingTimeWindows of(Duration size, Duration offset) {
    return new TumblingProcessingTimeWindows(new WindowSpec.Tumbling(size.toMillis(), offset.toMillis()));
  }

  @Override
  public boolean isProcessingTime() {
    return true;
  }
}
