package io.keyflow.pipeline;

import java.time.Duration;

/** Per-key processing-time sessions that close after {@code gap} without records. */
public record ProcessingTimeSessionWindows(WindowSpec.Session spec) implements WindowAssigner {

  public static ProcessingTimeSessionWindows withGap(Duration gap) {
    return new ProcessingTimeSessionWindows(new WindowSpec.Session(gap.toMillis()));
  }

  @Override
  public boolean isProcessingTime() {
    return true;
  }
}
