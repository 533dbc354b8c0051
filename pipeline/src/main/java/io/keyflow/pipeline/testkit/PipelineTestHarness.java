package io.keyflow.pipeline.testkit;

import io.keyflow.pipeline.runner.Operators;
import io.keyflow.pipeline.Event;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
import io.keyflow.pipeline.engine.StageState;
import io.keyflow.pipeline.StateCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a pipeline's keyed stage exactly as the runtime does — one {@link StageState} and one operator
 * per key group, each key group with its own watermark — without actors, Cassandra or a clock, as
 * Flink's operator test harnesses do. Push events, advance the watermark and processing time,
 * snapshot and restore, and read the results, side outputs and late records.
 *
 * <pre>{@code
 * var h = PipelineTestHarness.of(MyPipeline.pipeline());
 * h.setProcessingTime(1_000);
 * h.processElement(Map.of("user", "ann", "ts", 5_000L));
 * h.processWatermark(10_000);
 * assertThat(h.results()).hasSize(1);
 * }</pre>
 *
 * A call with several events applies them as the runtime applies one request: grouped by key group,
 * one batch per key group (in key-group order), each batch judged against its group's watermark from
 * before it. In a multi-stage pipeline the results of a stage are forwarded to the next stage right
 * after the step that produced them (one batch per target key group), and a watermark or processing
 * time reaches each stage after the previous stage's outputs did. Not thread-safe.
 */
public final class PipelineTestHarness {

  private final List<PipelineDefinition> stages;
  private final StageOperator[][] operators;
  private final StageState[][] states;
  private final CollectedOutputs outputs;
  private final List<String> forwardErrors = new ArrayList<>();
  private long processingTime = 0;

  private PipelineTestHarness(PipelineDefinition definition, StageState[][] states) {
    this.stages = definition.stages();
    this.states = states;
    this.operators = new StageOperator[stages.size()][];
    this.outputs = new CollectedOutputs(stages.size());
    for (int s = 0; s < stages.size(); s++) {
      operators[s] = new StageOperator[stages.get(s).maxKeyGroups()];
      for (int g = 0; g < operators[s].length; g++) {
        operators[s][g] = Operators.create(stages.get(s), g);
      }
    }
  }

  /** A harness for {@code pipeline} with empty state, processing time 0. */
  public static PipelineTestHarness of(Pipeline pipeline) {
    return of(PipelineDefinition.of(pipeline));
  }

  /** A harness for {@code definition} (and its later stages) with empty state, processing time 0. */
  public static PipelineTestHarness of(PipelineDefinition definition) {
    List<PipelineDefinition> stages = definition.stages();
    StageState[][] states = new StageState[stages.size()][];
    for (int s = 0; s < stages.size(); s++) {
      states[s] = new StageState[stages.get(s).maxKeyGroups()];
      for (int g = 0; g < states[s].length; g++) {
        states[s][g] = new StageState();
      }
    }
    return new PipelineTestHarness(definition, states);
  }

  /** A harness for {@code pipeline} continuing from {@code snapshot} (outputs before it are not repeated). */
  public static PipelineTestHarness restore(Pipeline pipeline, Snapshot snapshot) {
    return restore(PipelineDefinition.of(pipeline), snapshot);
  }

  public static PipelineTestHarness restore(PipelineDefinition definition, Snapshot snapshot) {
    StageState[][] states = SnapshotTrees.decode(definition.stages(), snapshot.states);
    PipelineTestHarness h = new PipelineTestHarness(definition, states);
    h.processingTime = snapshot.processingTime;
    return h;
  }

  /**
   * The state of every key group of every stage, encoded by {@link StateCodec} into neutral trees —
   * fully detached from the harness, as a persisted snapshot is ({@link SnapshotTrees}).
   */
  public Snapshot snapshot() {
    return new Snapshot(SnapshotTrees.encode(states), processingTime);
  }

  /** A detached copy of every key group's state. */
  public static final class Snapshot {
    private final List<List<Object>> states;
    private final long processingTime;

    private Snapshot(List<List<Object>> states, long processingTime) {
      this.states = states;
      this.processingTime = processingTime;
    }
  }

  /** Applies one event (a JSON-like map) as a request of its own. */
  public void processElement(Map<String, ?> event) {
    processElements(List.of(event));
  }

  /** Applies {@code events} as one request: validated whole (nothing applied on an error), then one batch per key group. */
  @SuppressWarnings("unchecked")
  public void processElements(List<? extends Map<String, ?>> events) {
    List<Record> records = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      try {
        records.add(stages.get(0).recordOf(new Event((Map<String, Object>) events.get(i))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("event " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    processRecords(records);
  }

  /** Applies already keyed records to the first stage as one request. */
  public void processRecords(List<Record> records) {
    apply(0, records);
  }

  private void apply(int stage, List<Record> records) {
    TreeMap<Integer, List<Record>> byGroup = new TreeMap<>();
    for (Record r : records) {
      byGroup.computeIfAbsent(stages.get(stage).keyGroupOf(r.key()), g -> new ArrayList<>()).add(r);
    }
    List<Output> produced = new ArrayList<>();
    byGroup.forEach((g, batch) -> produced.addAll(operators[stage][g].processBatch(states[stage][g], batch, processingTime)));
    emitted(stage, produced);
  }

  /** Records {@code produced} by {@code stage} and forwards its results to the next stage. */
  private void emitted(int stage, List<Output> produced) {
    outputs.add(stage, produced);
    if (stage + 1 >= stages.size()) {
      return;
    }
    List<Record> forwarded = new ArrayList<>();
    for (Output o : produced) {
      if (o.result() != null && o.tag() == null) {
        try {
          forwarded.add(stages.get(stage + 1).recordOfResult(o.result()));
        } catch (IllegalArgumentException e) {
          forwardErrors.add(stages.get(stage + 1).stage() + ": " + e.getMessage());
        }
      }
    }
    if (!forwarded.isEmpty()) {
      apply(stage + 1, forwarded);
    }
  }

  /** An explicit watermark for every key group of every stage, stage by stage (as {@code POST .../watermark}). */
  public void processWatermark(long watermark) {
    for (int s = 0; s < stages.size(); s++) {
      List<Output> produced = new ArrayList<>();
      for (int g = 0; g < states[s].length; g++) {
        produced.addAll(operators[s][g].advanceWatermark(states[s][g], watermark));
      }
      emitted(s, produced);
    }
  }

  /**
   * Processing time moves to {@code now} (never back): processing-time windows and timers that are due
   * fire, idle key groups advance their watermark; later events are applied at {@code now}.
   */
  public void setProcessingTime(long now) {
    if (now < processingTime) {
      throw new IllegalArgumentException("processing time cannot go back from " + processingTime + " to " + now);
    }
    processingTime = now;
    for (int s = 0; s < stages.size(); s++) {
      List<Output> produced = new ArrayList<>();
      for (int g = 0; g < states[s].length; g++) {
        produced.addAll(operators[s][g].advanceProcessingTime(states[s][g], now));
      }
      emitted(s, produced);
    }
  }

  public long processingTime() {
    return processingTime;
  }

  /** Every output so far of every stage (results, side outputs, late records), in the order produced. */
  public List<Output> outputs() {
    return outputs.all();
  }

  /** Every result of the last stage in the order produced, re-fires included. */
  public List<WindowResult> results() {
    return results(stages.get(stages.size() - 1).stage());
  }

  /** Every result of stage {@code stage} in the order produced. */
  public List<WindowResult> results(String stage) {
    return outputs.results(indexOf(stage));
  }

  /** The latest result per key and window of the last stage (what the results store keeps), by key then window start. */
  public List<WindowResult> latestResults() {
    return CollectedOutputs.latest(results());
  }

  /** The values emitted to side output {@code tag} by any stage, in order. */
  public List<WindowResult> sideOutput(String tag) {
    return outputs.sideOutput(tag);
  }

  /** Records too late for every window, sent to a late side output by any stage, in order. */
  public List<Record> lateRecords() {
    return outputs.lateRecords();
  }

  /** Results a later stage could not key or timestamp (skipped, as the runtime skips and counts them). */
  public List<String> forwardErrors() {
    return List.copyOf(forwardErrors);
  }

  /** Forgets the outputs collected so far (state is kept). */
  public void clearOutputs() {
    outputs.clear();
  }

  /** The current state of {@code key} in the first stage: open windows, or keyed state by state name. */
  public StageOperator.KeyView state(String key) {
    return state(stages.get(0).stage(), key);
  }

  /** The current state of {@code key} in stage {@code stage}. */
  public StageOperator.KeyView state(String stage, String key) {
    int s = indexOf(stage);
    int g = stages.get(s).keyGroupOf(key);
    return operators[s][g].queryKey(states[s][g], key);
  }

  /** The watermark of {@code key}'s key group in the first stage. */
  public long watermarkOf(String key) {
    return states[0][stages.get(0).keyGroupOf(key)].watermark;
  }

  /** Records dropped as too late, over all key groups of all stages. */
  public long lateRecordsDropped() {
    long n = 0;
    for (StageState[] stage : states) {
      for (StageState s : stage) {
        n += s.lateRecordsDropped;
      }
    }
    return n;
  }

  /** User-function calls that threw, per "stage/key group", with the count and the last message. */
  public Map<String, String> functionErrors() {
    Map<String, String> errors = new LinkedHashMap<>();
    for (int s = 0; s < states.length; s++) {
      for (int g = 0; g < states[s].length; g++) {
        if (states[s][g].functionErrors > 0) {
          errors.put(stages.get(s).stage() + "/" + g, states[s][g].functionErrors + " × " + states[s][g].lastFunctionError);
        }
      }
    }
    return errors;
  }

  private int indexOf(String stage) {
    for (int s = 0; s < stages.size(); s++) {
      if (stages.get(s).stage().equals(stage)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no stage named '" + stage + "'");
  }
}
