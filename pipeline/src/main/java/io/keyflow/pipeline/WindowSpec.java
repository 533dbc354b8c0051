package io.keyflow.pipeline;

import java.time.Duration;

/**
 * The window assigner of a keyed stage, with Flink's semantics: windows are {@code [start, end)}
 * in event time, aligned to the epoch (plus an optional offset for tumbling and sliding windows).
 */
public sealed interface WindowSpec {

  /** Fixed-size, non-overlapping windows. */
  record Tumbling(long sizeMillis, long offsetMillis) implements WindowSpec {
    public Tumbling {
      requirePositive(sizeMillis, "size");
    }
  }

  /** Fixed-size windows that start every {@code slide}; a record lands in size/slide windows. */
  record Sliding(long sizeMillis, long slideMillis, long offsetMillis) implements WindowSpec {
    public Sliding {
      requirePositive(sizeMillis, "size");
      requirePositive(slideMillis, "slide");
    }
  }

  /** Per-key windows that close after {@code gap} without records; overlapping sessions merge. */
  record Session(long gapMillis) implements WindowSpec {
    public Session {
      requirePositive(gapMillis, "gap");
    }
  }

  static Tumbling tumbling(Duration size) {
    return new Tumbling(size.toMillis(), 0);
  }

  static Sliding sliding(Duration size, Duration slide) {
    return new Sliding(size.toMillis(), slide.toMillis(), 0);
  }

  static Session session(Duration gap) {
    return new Session(gap.toMillis());
  }

  private static void requirePositive(long millis, String what) {
    if (millis <= 0) {
      throw new IllegalArgumentException("window " + what + " must be positive, was " + millis + " ms");
    }
  }
}
