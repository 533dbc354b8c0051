package io.keyflow.pipeline;

/**
 * Combines two records of a window into one, as Flink's {@code ReduceFunction}: the window's result
 * values are the fields of the reduced record. Must be deterministic; the first argument is the
 * earlier (already reduced) value, in arrival order.
 */
@FunctionalInterface
public interface ReduceFunction extends java.io.Serializable {

  Record reduce(Record accumulated, Record value);
}
