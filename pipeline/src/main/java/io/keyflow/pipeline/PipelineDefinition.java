package io.keyflow.pipeline;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A keyed, windowed pipeline: {@code keyBy(keyField) → eventTime(timeField, bounded out-of-orderness)
 * → window → aggregate}. Immutable; built from HOCON by {@link PipelineConfig} or in code.
 *
 * @param name               the pipeline's name, used in URLs and persistence ids
 * @param stage              the name of the keyed stage (one stage for now)
 * @param keyField           the event field that holds the key; events without it are rejected
 * @param timeField          the event field that holds the event time in epoch millis
 * @param maxOutOfOrderness  the watermark lags the highest event time seen by this much (ms)
 * @param allowedLateness    a fired window keeps its state this long (ms) and re-fires on late records
 * @param maxKeyGroups       number of key groups; fixed for the life of the stored state
 * @param window             the window assigner
 * @param aggregations       the values computed per window, in result order
 * @param lateOutput         name of the late side output (records too late for every window), or null:
 *                           then late records are only counted, as Flink drops them by default
 * @param idleTimeout        ms without records after which a key group's watermark advances with
 *                           processing time; 0 = never (the default)
 * @param processingTime     windows on processing time (the time a batch is applied, journaled with it)
 *                           instead of event time; they fire when processing time passes their end
 */
public record PipelineDefinition(
    String name,
    String stage,
    String keyField,
    String timeField,
    long maxOutOfOrderness,
    long allowedLateness,
    int maxKeyGroups,
    WindowSpec window,
    List<Aggregation> aggregations,
    String lateOutput,
    long idleTimeout,
    boolean processingTime) {

  /** Pipeline and stage names are safe in URLs, persistence ids and entity type keys. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]{0,63}");

  /** The stage name used when a pipeline has a single keyed stage. */
  public static final String DEFAULT_STAGE = "main";

  public PipelineDefinition {
    requireName(name, "pipeline name");
    requireName(stage, "stage name");
    if (keyField == null || keyField.isEmpty()) {
      throw new IllegalArgumentException("key-field must not be empty");
    }
    if (timeField == null || timeField.isEmpty()) {
      throw new IllegalArgumentException("time-field must not be empty");
    }
    if (maxOutOfOrderness < 0) {
      throw new IllegalArgumentException("max-out-of-orderness must not be negative");
    }
    if (allowedLateness < 0) {
      throw new IllegalArgumentException("allowed-lateness must not be negative");
    }
    if (maxKeyGroups < 1 || maxKeyGroups > 32768) {
      throw new IllegalArgumentException("max-key-groups must be in 1..32768, was " + maxKeyGroups);
    }
    if (window == null) {
      throw new IllegalArgumentException("window must be set");
    }
    if (lateOutput != null) {
      requireName(lateOutput, "late-output");
    }
    if (idleTimeout < 0) {
      throw new IllegalArgumentException("idle-timeout must not be negative");
    }
    aggregations = List.copyOf(aggregations);
    if (aggregations.isEmpty()) {
      throw new IllegalArgumentException("at least one aggregation is needed");
    }
    Set<String> names = new LinkedHashSet<>();
    for (Aggregation a : aggregations) {
      if (!names.add(a.name())) {
        throw new IllegalArgumentException("aggregation name " + a.name() + " is used twice");
      }
    }
  }

  /** A pipeline without a late side output and without idleness. */
  public PipelineDefinition(
      String name, String stage, String keyField, String timeField, long maxOutOfOrderness,
      long allowedLateness, int maxKeyGroups, WindowSpec window, List<Aggregation> aggregations) {
    this(name, stage, keyField, timeField, maxOutOfOrderness, allowedLateness, maxKeyGroups, window,
        aggregations, null, 0, false);
  }

  /** An event-time pipeline. */
  public PipelineDefinition(
      String name, String stage, String keyField, String timeField, long maxOutOfOrderness,
      long allowedLateness, int maxKeyGroups, WindowSpec window, List<Aggregation> aggregations,
      String lateOutput, long idleTimeout) {
    this(name, stage, keyField, timeField, maxOutOfOrderness, allowedLateness, maxKeyGroups, window,
        aggregations, lateOutput, idleTimeout, false);
  }

  /** The numeric fields the aggregations read, in first-use order. */
  public List<String> numericFields() {
    Set<String> fields = new LinkedHashSet<>();
    for (Aggregation a : aggregations) {
      if (a.field() != null) {
        fields.add(a.field());
      }
    }
    return List.copyOf(fields);
  }

  /** The key group of {@code key} in this pipeline. */
  public int keyGroupOf(String key) {
    return KeyGroupAssigner.keyGroupOf(key, maxKeyGroups);
  }

  private static void requireName(String value, String what) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " '" + value + "' must match " + NAME.pattern());
    }
  }
}
