package io.keyflow.pipeline;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The result of one window of one key: {@code [windowStart, windowEnd)} in epoch millis, and one
 * value per aggregation, by aggregation name. A window that re-fires (allowed lateness) produces a
 * new result for the same {@code (key, windowStart)}; the latest one is the answer.
 */
public record WindowResult(String key, long windowStart, long windowEnd, Map<String, Object> values) {

  public WindowResult {
    Map<String, Object> canonical = new LinkedHashMap<>();
    values.forEach((name, value) -> canonical.put(name, Numbers.canonicalValue(value)));
    values = Collections.unmodifiableMap(canonical);
  }
}
