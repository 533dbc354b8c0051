package io.keyflow.pipeline;

import java.time.Duration;

/** Per-key event-time sessions that close after {@code gap} without records; sessions that touch or overlap merge. */
public record EventTimeSessionWindows(WindowSpec.Session spec) implements WindowAssigner {

  public static EventTimeSessionWindows withGap(Duration gap) {
    return new EventTimeSessionWindows(new WindowSpec.Session(gap.toMillis()));
  }

  @Override
  public boolean isProcessingTime() {
    return false;
  }
}
