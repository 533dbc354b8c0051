package io.keyflow.pipeline;

/**
 * Extracts the event time (epoch millis) of an event, as Flink's {@code TimestampAssigner}:
 * {@code e -> e.ts()} or {@code e -> e.longValue("at")}. An exception rejects the request (400).
 */
@FunctionalInterface
public interface TimestampAssigner extends java.io.Serializable {

  /** The event time of {@code event} in epoch milliseconds. */
  long extractTimestamp(Event event);
}
