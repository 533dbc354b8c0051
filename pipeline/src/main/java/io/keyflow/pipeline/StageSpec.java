package io.keyflow.pipeline;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One keyed stage of a pipeline as its author described it, checked when it is built: what a
 * {@link Pipeline} holds, and what the engine compiles into the form it runs. It lives in the API so
 * that the API needs nothing from the engine (the engine reads it, as it reads {@link WindowSpec});
 * the engine's definition of a stage delegates its checks here, so the Java builder and HOCON refuse
 * the same things with the same messages.
 *
 * @param pipeline           the pipeline's name, used in URLs and persistence ids
 * @param name               the name of the keyed stage
 * @param keyField           the event field that holds the key; events without it are rejected
 * @param timeField          the event field that holds the event time in epoch millis
 * @param maxOutOfOrderness  the watermark lags the highest event time seen by this much (ms)
 * @param allowedLateness    a fired window keeps its state this long (ms) and re-fires on late records
 * @param maxKeyGroups       number of key groups; fixed for the life of the stored state
 * @param window             the window assigner, or null for a {@link KeyedProcessFunction} stage
 * @param aggregations       the values computed per window, in result order
 * @param lateOutput         name of the late side output, or null: late records are only counted
 * @param idleTimeout        ms without records after which a key group's watermark advances with
 *                           processing time; 0 = never
 * @param processingTime     windows on processing time instead of event time
 * @param functions          the user code of the stage, or null for a declarative (HOCON) stage
 */
public record StageSpec(
    String pipeline,
    String name,
    String keyField,
    String timeField,
    long maxOutOfOrderness,
    long allowedLateness,
    int maxKeyGroups,
    WindowSpec window,
    List<Aggregation> aggregations,
    String lateOutput,
    long idleTimeout,
    boolean processingTime,
    StageFunctions functions) {

  /** Pipeline, stage, side output and output tag names: safe in URLs, persistence ids and entity type keys. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9_-]{0,63}");

  /** The stage name used when a pipeline has a single keyed stage. */
  public static final String DEFAULT_STAGE = "main";

  /** @throws IllegalArgumentException naming the first thing wrong with the stage */
  public StageSpec {
    requireName(pipeline, "pipeline name");
    requireName(name, "stage name");
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
    boolean windowless = functions != null && functions.process() != null;
    if (window == null && !windowless) {
      throw new IllegalArgumentException("window must be set");
    }
    if (window != null && windowless) {
      throw new IllegalArgumentException("a KeyedProcessFunction stage has no window");
    }
    if (lateOutput != null) {
      requireName(lateOutput, "late-output");
    }
    if (idleTimeout < 0) {
      throw new IllegalArgumentException("idle-timeout must not be negative");
    }
    aggregations = List.copyOf(aggregations);
    if (aggregations.isEmpty() && (functions == null || !functions.hasFunction())) {
      throw new IllegalArgumentException("at least one aggregation is needed");
    }
    Set<String> names = new LinkedHashSet<>();
    for (Aggregation a : aggregations) {
      if (!names.add(a.name())) {
        throw new IllegalArgumentException("aggregation name " + a.name() + " is used twice");
      }
    }
  }

  /** Refuses {@code value} as a name unless it matches {@link #NAME}; {@code what} names its use. */
  static void requireName(String value, String what) {
    if (value == null || !NAME.matcher(value).matches()) {
      throw new IllegalArgumentException(what + " '" + value + "' must match " + NAME.pattern());
    }
  }
}
