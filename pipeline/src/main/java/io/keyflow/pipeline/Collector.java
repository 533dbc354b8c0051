package io.keyflow.pipeline;

/** Receives the outputs of a function, as Flink's {@code Collector}. */
@FunctionalInterface
public interface Collector<T> {

  /** Emits {@code value}; it must be encodable by {@link StateCodec} (a record, a map, a scalar). */
  void collect(T value);
}
