package io.keyflow.pipeline;

import java.time.Duration;

/** Event-time windows of {@code size} starting every {@code slide}; a record lands in size/slide of them. */
public record SlidingEventTimeWindows(WindowSpec.Sliding spec) implements WindowAssigner {

  public static SlidingEventTimeWindows of(Duration size, Duration slide) {
    return new SlidingEventTimeWindows(new WindowSpec.Sliding(size.toMillis(), slide.toMillis(), 0));
  }

  public static SlidingEventTimeWindows of(Duration size, Duration slide, Duration offset) {
    return new SlidingEventTimeWindows(new WindowSpec.Sliding(size.toMillis(), slide.toMillis(), offset.toMillis()));
  }

  @Override
  public boolean isProcessingTime() {
    return false;
  }
}
