package io.keyflow.pipeline;

import java.util.Map;

/**
 * A map per key, as Flink's {@code MapState}; scoped to the key being processed. Iteration is in the
 * order of the keys' stored text (deterministic, so replay emits the same outputs).
 */
public interface MapState<K, V> {

  V get(K key);

  void put(K key, V value);

  void putAll(Map<K, V> entries);

  void remove(K key);

  boolean contains(K key);

  /** A copy of the current key's entries. */
  Iterable<Map.Entry<K, V>> entries();

  Iterable<K> keys();

  Iterable<V> values();

  boolean isEmpty();

  void clear();
}
