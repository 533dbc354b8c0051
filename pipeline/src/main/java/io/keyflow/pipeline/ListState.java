package io.keyflow.pipeline;

import java.util.List;

/** A list of values per key, as Flink's {@code ListState}; scoped to the key being processed. */
public interface ListState<T> {

  /** The current key's elements in insertion order (a copy); empty when none. */
  Iterable<T> get();

  void add(T value);

  void addAll(List<T> values);

  /** Replaces the current key's elements. */
  void update(List<T> values);

  void clear();
}
