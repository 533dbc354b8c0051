package io.keyflow.pipeline;

/**
 * Extracts the key of an event, as Flink's {@code KeySelector}: {@code e -> e.string("user")}. Runs
 * when the request is validated, before anything is applied; an exception or a null/empty key
 * rejects the whole request with 400 naming the line. Must be deterministic.
 */
@FunctionalInterface
public interface KeySelector extends java.io.Serializable {

  /** The key of {@code event}; never null or empty. */
  String getKey(Event event);
}
