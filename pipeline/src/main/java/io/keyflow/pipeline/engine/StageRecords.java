package io.keyflow.pipeline.engine;

import io.keyflow.pipeline.Event;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.StageFunctions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an input becomes the record a stage processes: keyed, timestamped and trimmed to the fields the
 * stage needs, with a message naming what is wrong when it cannot be. Kept apart from
 * {@link PipelineDefinition}, which says what a stage is; this is the per-event validation that the
 * HTTP ingest path, stage forwarding and the test harness all go through.
 */
final class StageRecords {

  private StageRecords() {}

  /**
   * The record of {@code event} in {@code stage} (see {@link PipelineDefinition#recordOf}).
   *
   * @throws IllegalArgumentException naming what is wrong with the event
   */
  static Record of(PipelineDefinition stage, Event event) {
    String key = keyOf(stage, event);
    long ts = timestampOf(stage, event);
    if (stage.keepsAllFields()) {
      for (String field : stage.numericFields()) {
        requireNumber(event, field);
      }
      return new Record(key, ts, event.fields());
    }
    Map<String, Object> numbers = new LinkedHashMap<>();
    for (String field : stage.numericFields()) {
      numbers.put(field, requireNumber(event, field));
    }
    return new Record(key, ts, numbers);
  }

  /** The record a result of the previous stage becomes in {@code stage} (see {@link PipelineDefinition#recordOfResult}). */
  static Record ofResult(PipelineDefinition stage, WindowResult result) {
    Map<String, Object> fields = new LinkedHashMap<>(result.values());
    fields.put("key", result.key());
    fields.put("window_start", result.windowStart());
    fields.put("window_end", result.windowEnd());
    fields.put("ts", result.windowEnd() > result.windowStart() ? result.windowEnd() - 1 : result.windowStart());
    return of(stage, new Event(fields));
  }

  private static String keyOf(PipelineDefinition stage, Event event) {
    StageFunctions functions = stage.functions();
    String key;
    if (functions != null && functions.keySelector() != null) {
      try {
        key = functions.keySelector().getKey(event);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("key selector failed: " + describe(e));
      }
      if (key == null || key.isEmpty()) {
        throw new IllegalArgumentException("key selector returned an empty key");
      }
      return key;
    }
    String keyField = stage.keyField();
    Object k = event.get(keyField);
    if (k == null) {
      throw new IllegalArgumentException("missing key field '" + keyField + "'");
    } else if (k instanceof String text) {
      key = text;
    } else if (k instanceof Long number) {
      key = number.toString();
    } else {
      throw new IllegalArgumentException("key field '" + keyField + "' must be a string or an integer");
    }
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key field '" + keyField + "' must not be empty");
    }
    return key;
  }

  private static long timestampOf(PipelineDefinition stage, Event event) {
    StageFunctions functions = stage.functions();
    if (functions != null && functions.timestampAssigner() != null) {
      try {
        return functions.timestampAssigner().extractTimestamp(event);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("timestamp assigner failed: " + describe(e));
      }
    }
    String timeField = stage.timeField();
    Object t = event.get(timeField);
    if (t == null) {
      throw new IllegalArgumentException("missing time field '" + timeField + "'");
    }
    if (!(t instanceof Long millis)) {
      throw new IllegalArgumentException("time field '" + timeField + "' must be an integer (epoch millis)");
    }
    return millis;
  }

  private static Number requireNumber(Event event, String field) {
    Object v = event.get(field);
    if (v == null) {
      throw new IllegalArgumentException("missing numeric field '" + field + "'");
    }
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("field '" + field + "' must be a number");
    }
    if (n instanceof Double d && (d.isNaN() || d.isInfinite())) {
      throw new IllegalArgumentException("field '" + field + "' is out of range");
    }
    return n;
  }

  private static String describe(RuntimeException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
