package io.keyflow.pipeline.engine;

import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Event;
import io.keyflow.pipeline.KeyGroupAssigner;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.StageFunctions;
import io.keyflow.pipeline.StageSpec;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A keyed, windowed pipeline: {@code keyBy(keyField) → eventTime(timeField, bounded out-of-orderness)
 * → window → aggregate}. Immutable; compiled from a {@link Pipeline} by {@link #of} or read from
 * HOCON by {@code io.keyflow.pipeline.runner.PipelineConfig}.
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
 * @param functions          the user code of a Java pipeline (key selector, timestamp assigner, window
 *                           or process function), or null for a declarative (HOCON) pipeline
 * @param next               the next keyed stage of the same pipeline, fed with this stage's results
 *                           (re-keyed by its own key), or null when this is the last stage
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
    boolean processingTime,
    StageFunctions functions,
    PipelineDefinition next) {

  /** Pipeline and stage names are safe in URLs, persistence ids and entity type keys. */
  public static final Pattern NAME = StageSpec.NAME;

  /** The stage name used when a pipeline has a single keyed stage. */
  public static final String DEFAULT_STAGE = StageSpec.DEFAULT_STAGE;

  /** Checks the stage as {@link StageSpec} does (one set of rules for Java and HOCON), then the chain. */
  public PipelineDefinition {
    aggregations = new StageSpec(name, stage, keyField, timeField, maxOutOfOrderness, allowedLateness,
        maxKeyGroups, window, aggregations, lateOutput, idleTimeout, processingTime, functions).aggregations();
    if (next != null) {
      if (!next.name().equals(name)) {
        throw new IllegalArgumentException("stage " + next.stage() + " belongs to pipeline " + next.name() + ", not " + name);
      }
      for (PipelineDefinition s = next; s != null; s = s.next()) {
        if (s.stage().equals(stage)) {
          throw new IllegalArgumentException("stage name '" + stage + "' is used twice");
        }
      }
    }
  }

  /** The runtime form of {@code pipeline}: its first stage, linked to the next ones. */
  public static PipelineDefinition of(Pipeline pipeline) {
    PipelineDefinition next = null;
    List<StageSpec> stages = pipeline.stages();
    for (int i = stages.size() - 1; i >= 0; i--) {
      StageSpec s = stages.get(i);
      next = new PipelineDefinition(s.pipeline(), s.name(), s.keyField(), s.timeField(), s.maxOutOfOrderness(),
          s.allowedLateness(), s.maxKeyGroups(), s.window(), s.aggregations(), s.lateOutput(), s.idleTimeout(),
          s.processingTime(), s.functions(), next);
    }
    return next;
  }

  /** A declarative pipeline (no user functions). */
  public PipelineDefinition(
      String name, String stage, String keyField, String timeField, long maxOutOfOrderness,
      long allowedLateness, int maxKeyGroups, WindowSpec window, List<Aggregation> aggregations,
      String lateOutput, long idleTimeout, boolean processingTime) {
    this(name, stage, keyField, timeField, maxOutOfOrderness, allowedLateness, maxKeyGroups, window,
        aggregations, lateOutput, idleTimeout, processingTime, null, null);
  }

  /** A single-stage pipeline, or the last stage of one. */
  public PipelineDefinition(
      String name, String stage, String keyField, String timeField, long maxOutOfOrderness,
      long allowedLateness, int maxKeyGroups, WindowSpec window, List<Aggregation> aggregations,
      String lateOutput, long idleTimeout, boolean processingTime, StageFunctions functions) {
    this(name, stage, keyField, timeField, maxOutOfOrderness, allowedLateness, maxKeyGroups, window,
        aggregations, lateOutput, idleTimeout, processingTime, functions, null);
  }

  /** This stage followed by {@code next} (and whatever follows it). */
  public PipelineDefinition withNext(PipelineDefinition next) {
    return new PipelineDefinition(name, stage, keyField, timeField, maxOutOfOrderness, allowedLateness,
        maxKeyGroups, window, aggregations, lateOutput, idleTimeout, processingTime, functions, next);
  }

  /** This stage and the ones after it, in order (the first is the one HTTP events enter). */
  public List<PipelineDefinition> stages() {
    List<PipelineDefinition> stages = new java.util.ArrayList<>();
    for (PipelineDefinition s = this; s != null; s = s.next()) {
      stages.add(s);
    }
    return stages;
  }

  /** The last stage: the default for results. */
  public PipelineDefinition lastStage() {
    PipelineDefinition s = this;
    while (s.next() != null) {
      s = s.next();
    }
    return s;
  }

  /** The stage named {@code stageName} of this stage chain, or null. */
  public PipelineDefinition stageNamed(String stageName) {
    for (PipelineDefinition s = this; s != null; s = s.next()) {
      if (s.stage().equals(stageName)) {
        return s;
      }
    }
    return null;
  }

  /**
   * The record a result of the previous stage becomes in this stage: an event with the result's
   * values plus {@code key} (the previous stage's key), {@code window_start}, {@code window_end} and
   * {@code ts} — the result's timestamp, {@code window_end − 1} for a window (Flink's window result
   * timestamp), the output's own time for a process function — keyed and timestamped by this stage.
   * Those four names are set by Keyflow and take precedence over values of the same name.
   *
   * @throws IllegalArgumentException when this stage cannot key or timestamp the result
   */
  public Record recordOfResult(WindowResult result) {
    return StageRecords.ofResult(this, result);
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

  /** Whether events keep all their fields (user code may read any) rather than only numeric ones. */
  public boolean keepsAllFields() {
    return functions != null;
  }

  /** Whether this is a windowless stage running a {@link KeyedProcessFunction}. */
  public boolean isProcessStage() {
    return window == null;
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

  /**
   * The record of {@code event}: its key (key selector or key field: a string, or an integer as its
   * decimal text), its event time (timestamp assigner or integral time field) and its fields (all of
   * them for Java pipelines, else only the numeric fields the aggregations read, which must be present).
   *
   * @throws IllegalArgumentException naming what is wrong with the event
   */
  public Record recordOf(Event event) {
    return StageRecords.of(this, event);
  }

  /** The key group of {@code key} in this pipeline. */
  public int keyGroupOf(String key) {
    return KeyGroupAssigner.keyGroupOf(key, maxKeyGroups);
  }
}
