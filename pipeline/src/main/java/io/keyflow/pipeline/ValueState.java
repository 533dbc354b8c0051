package io.keyflow.pipeline;

/** One value per key, as Flink's {@code ValueState}; scoped to the key being processed. */
public interface ValueState<T> {

  /** The current key's value, or null when unset (or expired). */
  T value();

  void update(T value);

  void clear();
}
