package io.keyflow.pipeline;

import io.keyflow.pipeline.runtime.Output;
import io.keyflow.pipeline.runtime.StageOperator;
import io.keyflow.pipeline.runtime.StageState;
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
 * before it. Not thread-safe.
 */
public final class PipelineTestHarness {

  private final PipelineDefinition definition;
  private final StageOperator[] operators;
  private final StageState[] states;
  private final List<Output> outputs = new ArrayList<>();
  private long processingTime = 0;

  private PipelineTestHarness(PipelineDefinition definition, StageState[] states) {
    this.definition = definition;
    this.operators = new StageOperator[definition.maxKeyGroups()];
    this.states = states;
    for (int g = 0; g < operators.length; g++) {
      operators[g] = StageOperator.create(definition, g);
    }
  }

  /** A harness for {@code pipeline} with empty state, processing time 0. */
  public static PipelineTestHarness of(Pipeline pipeline) {
    return of(pipeline.definition());
  }

  /** A harness for {@code definition} with empty state, processing time 0. */
  public static PipelineTestHarness of(PipelineDefinition definition) {
    StageState[] states = new StageState[definition.maxKeyGroups()];
    for (int g = 0; g < states.length; g++) {
      states[g] = new StageState();
    }
    return new PipelineTestHarness(definition, states);
  }

  /** A harness for {@code pipeline} continuing from {@code snapshot} (outputs before it are not repeated). */
  public static PipelineTestHarness restore(Pipeline pipeline, Snapshot snapshot) {
    return restore(pipeline.definition(), snapshot);
  }

  public static PipelineTestHarness restore(PipelineDefinition definition, Snapshot snapshot) {
    if (snapshot.states.size() != definition.maxKeyGroups()) {
      throw new IllegalArgumentException("the snapshot has " + snapshot.states.size()
          + " key groups, the pipeline " + definition.maxKeyGroups());
    }
    StageState[] states = new StageState[snapshot.states.size()];
    for (int g = 0; g < states.length; g++) {
      states[g] = StateCodec.decode(StateCodec.neutral(snapshot.states.get(g)), StageState.class);
    }
    PipelineTestHarness h = new PipelineTestHarness(definition, states);
    h.processingTime = snapshot.processingTime;
    return h;
  }

  /**
   * The state of every key group, encoded by {@link StateCodec} into neutral trees — fully detached
   * from the harness, as a persisted snapshot is.
   */
  public Snapshot snapshot() {
    List<Object> trees = new ArrayList<>(states.length);
    for (StageState s : states) {
      trees.add(StateCodec.encode(s));
    }
    return new Snapshot(trees, processingTime);
  }

  /** A detached copy of every key group's state. */
  public static final class Snapshot {
    private final List<Object> states;
    private final long processingTime;

    private Snapshot(List<Object> states, long processingTime) {
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
        records.add(definition.recordOf(new Event((Map<String, Object>) events.get(i))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("event " + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    processRecords(records);
  }

  /** Applies already keyed records as one request. */
  public void processRecords(List<Record> records) {
    TreeMap<Integer, List<Record>> byGroup = new TreeMap<>();
    for (Record r : records) {
      byGroup.computeIfAbsent(definition.keyGroupOf(r.key()), g -> new ArrayList<>()).add(r);
    }
    byGroup.forEach((g, batch) -> outputs.addAll(operators[g].processBatch(states[g], batch, processingTime)));
  }

  /** An explicit watermark for every key group (as {@code POST /v1/pipelines/{p}/watermark}). */
  public void processWatermark(long watermark) {
    for (int g = 0; g < states.length; g++) {
      outputs.addAll(operators[g].advanceWatermark(states[g], watermark));
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
    for (int g = 0; g < states.length; g++) {
      outputs.addAll(operators[g].advanceProcessingTime(states[g], now));
    }
  }

  public long processingTime() {
    return processingTime;
  }

  /** Every output so far (results, side outputs, late records), in the order produced. */
  public List<Output> outputs() {
    return List.copyOf(outputs);
  }

  /** Every result of the main output in the order produced, re-fires included. */
  public List<WindowResult> results() {
    return resultsTagged(null);
  }

  /** The latest result per key and window (what the results store keeps), by key then window start. */
  public List<WindowResult> latestResults() {
    Map<String, WindowResult> latest = new TreeMap<>();
    for (WindowResult r : results()) {
      latest.put(r.key() + '\u0000' + String.format("%020d", r.windowStart() - Long.MIN_VALUE), r);
    }
    return new ArrayList<>(latest.values());
  }

  /** The values emitted to side output {@code tag}, in order. */
  public List<WindowResult> sideOutput(String tag) {
    return resultsTagged(tag);
  }

  /** Records too late for every window, sent to the late side output, in order. */
  public List<Record> lateRecords() {
    List<Record> late = new ArrayList<>();
    for (Output o : outputs) {
      if (o.holdsLateRecord()) {
        late.add(o.late());
      }
    }
    return late;
  }

  /** Forgets the outputs collected so far (state is kept). */
  public void clearOutputs() {
    outputs.clear();
  }

  /** The current state of {@code key}: open windows, or keyed state by state name. */
  public StageOperator.KeyView state(String key) {
    int g = definition.keyGroupOf(key);
    return operators[g].queryKey(states[g], key);
  }

  /** The watermark of {@code key}'s key group. */
  public long watermarkOf(String key) {
    return states[definition.keyGroupOf(key)].watermark;
  }

  /** Records dropped as too late, over all key groups. */
  public long lateRecordsDropped() {
    long n = 0;
    for (StageState s : states) {
      n += s.lateRecordsDropped;
    }
    return n;
  }

  /** User-function calls that threw, over all key groups, with the last message per group. */
  public Map<Integer, String> functionErrors() {
    Map<Integer, String> errors = new LinkedHashMap<>();
    for (int g = 0; g < states.length; g++) {
      if (states[g].functionErrors > 0) {
        errors.put(g, states[g].functionErrors + " × " + states[g].lastFunctionError);
      }
    }
    return errors;
  }

  private List<WindowResult> resultsTagged(String tag) {
    List<WindowResult> results = new ArrayList<>();
    for (Output o : outputs) {
      if (o.result() != null && java.util.Objects.equals(o.tag(), tag)) {
        results.add(o.result());
      }
    }
    return results;
  }
}
