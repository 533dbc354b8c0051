package io.keyflow.pipeline;

/** Which clock a timer belongs to. */
public enum TimeDomain {
  /** Fires when the key group's watermark reaches the timer's time. */
  EVENT_TIME,
  /** Fires when the key group's processing time (an input, journaled) reaches the timer's time. */
  PROCESSING_TIME
}
