package io.keyflow.pipeline;

/**
 * Incremental aggregation of a window's records, as Flink's {@code AggregateFunction} (the input is
 * always a {@link Record}). Only the accumulator is kept per window, so state stays small.
 * {@code ACC} and {@code OUT} must be encodable by {@link StateCodec}: declare them as type arguments
 * of a class implementing this interface (the runtime reads them to decode the accumulator after a
 * restore), or pass the accumulator type to {@code aggregate(fn, accumulatorType)}.
 * {@code merge} is used when session windows merge. Functions must be deterministic.
 *
 * <p>The result of a window is {@code getResult(acc)}: a record or map becomes the result's
 * {@code values}; a single value {@code v} becomes {@code {"value": v}}.
 */
public interface AggregateFunction<ACC, OUT> extends java.io.Serializable {

  ACC createAccumulator();

  /** Adds {@code value}; may return {@code accumulator} changed or a new accumulator. */
  ACC add(Record value, ACC accumulator);

  OUT getResult(ACC accumulator);

  ACC merge(ACC a, ACC b);
}
