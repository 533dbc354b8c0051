package io.keyflow.pipeline;

import java.time.Duration;

/** Processing-time windows of {@code size} starting every {@code slide}. */
public record SlidingProcessingTimeWindows(WindowSpec.Sliding spec) implements WindowAssigner {

  public static SlidingProcessingTimeWindows of(Duration size, Duration slide) {
    return new SlidingProcessingTimeWindows(new WindowSpec.Sliding(size.toMillis(), slide.toMillis(), 0));
  }

  public static SlidingProcessingTimeWindows of(Duration size, Duration slide, Duration offset) {
    return new SlidingProcessingTimeWindows(new WindowSpec.Sliding(size.toMillis(), slide.toMillis(), offset.toMillis()));
  }

  @Override
  public boolean isProcessingTime() {
    return true;
  }
}
