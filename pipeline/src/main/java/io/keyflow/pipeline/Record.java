package io.keyflow.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One input event as the operator core sees it: its key, its event time (epoch millis) and the
 * numeric fields the pipeline's aggregations read. Values are {@link Long} for JSON integers and
 * {@link Double} otherwise, so integer sums stay exact.
 */
public record Record(String key, long ts, Map<String, Number> fields) {

  public Record {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    Map<String, Number> canonical = new LinkedHashMap<>();
    if (fields != null) {
      fields.forEach((name, value) -> canonical.put(name, Numbers.canonical(value)));
    }
    fields = Map.copyOf(canonical);
  }

  /** The numeric field {@code name}, or null when the pipeline does not read it. */
  public Number field(String name) {
    return fields.get(name);
  }
}
