package io.keyflow.pipeline;

/**
 * Assigns records to windows, as Flink's window assigners: {@link TumblingEventTimeWindows},
 * {@link SlidingEventTimeWindows}, {@link EventTimeSessionWindows} and their processing-time twins.
 */
public sealed interface WindowAssigner
    permits TumblingEventTimeWindows, SlidingEventTimeWindows, EventTimeSessionWindows,
        TumblingProcessingTimeWindows, SlidingProcessingTimeWindows, ProcessingTimeSessionWindows {

  /** The window shape. */
  WindowSpec spec();

  /** Whether windows are on processing time (the time a batch is applied) instead of event time. */
  boolean isProcessingTime();
}
