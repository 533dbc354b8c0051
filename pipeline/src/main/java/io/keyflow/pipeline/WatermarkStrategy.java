package io.keyflow.pipeline;

import java.time.Duration;

/**
 * How a keyed stage's event-time watermark advances, with Flink's rules: per key group, the
 * watermark is {@code max event time seen − maxOutOfOrderness − 1}. With
 * {@link #withIdleness(Duration)} a key group that received nothing for that long advances its
 * watermark by the processing time that passes (never jumping to the wall clock), so its windows
 * and timers still fire. A client can also post an explicit watermark for the pipeline.
 *
 * @param maxOutOfOrderness how far (ms) records may arrive behind the highest event time seen
 * @param idleTimeout       ms without records before a key group counts as idle; 0 = never
 */
public record WatermarkStrategy(long maxOutOfOrderness, long idleTimeout) {

  public WatermarkStrategy {
    if (maxOutOfOrderness < 0) {
      throw new IllegalArgumentException("max out-of-orderness must not be negative");
    }
    if (idleTimeout < 0) {
      throw new IllegalArgumentException("idle timeout must not be negative");
    }
  }

  /** Watermarks trailing the highest event time by {@code maxOutOfOrderness}. */
  public static WatermarkStrategy boundedOutOfOrderness(Duration maxOutOfOrderness) {
    return new WatermarkStrategy(maxOutOfOrderness.toMillis(), 0);
  }

  /** Timestamps never go back: the watermark is the highest event time seen minus 1 ms. */
  public static WatermarkStrategy forMonotonousTimestamps() {
    return new WatermarkStrategy(0, 0);
  }

  /** The same strategy, with key groups idle after {@code timeout} without records. */
  public WatermarkStrategy withIdleness(Duration timeout) {
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("idle timeout must be positive");
    }
    return new WatermarkStrategy(maxOutOfOrderness, timeout.toMillis());
  }
}
