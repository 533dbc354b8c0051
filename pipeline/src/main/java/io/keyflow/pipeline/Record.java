package io.keyflow.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One element as a keyed stage sees it: its key, its timestamp (event time in epoch millis, or the
 * processing time it was applied at for processing-time windows) and the event's fields. Numbers are
 * {@link Long} for JSON integers and {@link Double} otherwise, so integer sums stay exact. Pipelines
 * declared in HOCON keep only the fields their aggregations read; Java pipelines keep every field.
 */
public record Record(String key, long ts, Map<String, Object> fields) implements Fields {

  public Record {
    if (key == null) {
      throw new IllegalArgumentException("key must not be null");
    }
    fields = canonicalFields(fields);
  }

  /** The numeric field {@code name}, or null when the record does not have it. */
  public Number field(String name) {
    return fields.get(name) instanceof Number n ? n : null;
  }

  /** The same record with another timestamp. */
  public Record withTimestamp(long timestamp) {
    return new Record(key, timestamp, fields);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> canonicalFields(Map<String, ?> fields) {
    if (fields == null || fields.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> canonical = new LinkedHashMap<>(fields.size() * 2);
    fields.forEach((name, value) -> canonical.put(name, StateCodec.neutral(value)));
    return Collections.unmodifiableMap(canonical);
  }
}
