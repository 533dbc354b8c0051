package io.keyflow.pipeline.runtime;

import io.keyflow.pipeline.AggregateFunction;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.OutputTag;
import io.keyflow.pipeline.PipelineDefinition;
import io.keyflow.pipeline.ProcessWindowFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.ReduceFunction;
import io.keyflow.pipeline.StateCodec;
import io.keyflow.pipeline.StageFunctions;
import io.keyflow.pipeline.TimeWindow;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The core of a windowed keyed stage: tumbling, sliding and session windows on event or processing
 * time, with built-in aggregations, an {@link AggregateFunction}, a {@link ReduceFunction} or a
 * {@link ProcessWindowFunction}.
 *
 * <p>A window {@code [start, end)} fires when the watermark reaches {@code end − 1}; it is late once
 * {@code end − 1 + allowedLateness <= watermark}, and a record whose every window is late is dropped
 * and counted (or sent to the late side output). A record that lands in a window that already fired
 * (within allowed lateness) re-fires it with the updated value. Session windows that touch or overlap
 * merge (Flink's {@code TimeWindow.intersects}).
 */
public final class WindowOperator extends StageOperator {

  private enum Kind { BUILT_IN, AGGREGATE, REDUCE, PROCESS }

  private final List<Aggregation> aggregations;
  private final Kind kind;
  @SuppressWarnings("rawtypes")
  private final AggregateFunction aggregate;
  private final Type accumulatorType;
  private final ReduceFunction reduce;
  @SuppressWarnings("rawtypes")
  private final ProcessWindowFunction processWindow;

  public WindowOperator(PipelineDefinition definition) {
    super(definition);
    if (definition.window() == null) {
      throw new IllegalArgumentException("pipeline " + definition.name() + " has no window");
    }
    this.aggregations = definition.aggregations();
    StageFunctions f = definition.functions();
    this.aggregate = f == null ? null : f.aggregate();
    this.accumulatorType = f == null ? null : f.accumulatorType();
    this.reduce = f == null ? null : f.reduce();
    this.processWindow = f == null ? null : f.processWindow();
    this.kind = aggregate != null ? Kind.AGGREGATE : reduce != null ? Kind.REDUCE
        : processWindow != null ? Kind.PROCESS : Kind.BUILT_IN;
  }

  @Override
  protected void applyBatch(StageState state, List<Record> batch, List<Output> outputs) {
    if (definition.processingTime()) {
      applyOnProcessingTime(state, batch, outputs);
      return;
    }
    TreeMap<String, TreeSet<Long>> refire = new TreeMap<>();
    for (Record record : batch) {
      state.recordsApplied++;
      if (record.ts() > state.maxTimestamp) {
        state.maxTimestamp = record.ts();
      }
      if (!assign(state, record, refire)) {
        state.lateRecordsDropped++;
        if (definition.lateOutput() != null) {
          state.outputSeq++;
          outputs.add(new Output(state.outputSeq, null, record));
        }
      }
    }
    refire.forEach((key, starts) -> {
      TreeMap<Long, WindowState> keyWindows = state.windows.get(key);
      for (long start : starts) {
        WindowState w = keyWindows == null ? null : keyWindows.get(start);
        if (w != null) {
          w.fired = true;
          emit(state, key, w, outputs);
        }
      }
    });
    advanceWatermarkFromData(state, outputs);
  }

  /**
   * Processing-time windows: every record of the batch is assigned by the batch's processing time
   * (never earlier than the clock already reached, so no record is ever late), and the stage's
   * watermark is that processing-time clock. Windows fire on {@link #advanceProcessingTime}.
   */
  private void applyOnProcessingTime(StageState state, List<Record> batch, List<Output> outputs) {
    long processingTime = state.processingTime;
    long now = state.watermark == Long.MIN_VALUE ? processingTime : Math.max(processingTime, state.watermark + 1);
    advanceWatermark(state, now - 1, outputs);
    for (Record r : batch) {
      state.recordsApplied++;
      if (!assign(state, r.withTimestamp(now), new TreeMap<>())) {
        state.lateRecordsDropped++;
      }
    }
    state.maxTimestamp = Math.max(state.maxTimestamp, now);
  }

  private boolean assign(StageState state, Record record, Map<String, TreeSet<Long>> refire) {
    return definition.window() instanceof WindowSpec.Session session
        ? addToSession(state, record, session.gapMillis(), refire)
        : addToAlignedWindows(state, record, refire);
  }

  @Override
  protected void fireEventTime(StageState state, List<Output> outputs) {
    long watermark = state.watermark;
    while (!state.timers.isEmpty() && state.timers.firstKey() <= watermark) {
      for (String key : state.timers.pollFirstEntry().getValue()) {
        onTimer(state, key, outputs);
      }
    }
  }

  @Override
  protected void fireProcessingTime(StageState state, long now, List<Output> outputs) {
    if (definition.processingTime()) {
      // A window [start, end) on processing time fires once the clock reaches end − 1.
      advanceWatermark(state, now, outputs);
    }
  }

  @Override
  protected boolean processingTimersDue(StageState state, long now) {
    return definition.processingTime() && !state.timers.isEmpty() && state.timers.firstKey() <= now;
  }

  /** Idleness advances the watermark only while some window is open (merged sessions leave stale timers). */
  @Override
  protected boolean hasEventTimeWork(StageState state) {
    return !state.windows.isEmpty();
  }

  @Override
  public boolean idleAdvanceDue(StageState state, long now) {
    return !definition.processingTime() && super.idleAdvanceDue(state, now);
  }

  /** The open windows of one key, with their current values, for queryable state. */
  public List<WindowResult> openWindows(StageState state, String key) {
    List<WindowResult> result = new ArrayList<>();
    TreeMap<Long, WindowState> keyWindows = state.windows.get(key);
    if (keyWindows != null) {
      for (WindowState w : keyWindows.values()) {
        result.add(new WindowResult(key, w.start, w.end, currentValues(w)));
      }
    }
    return result;
  }

  @Override
  public KeyView queryKey(StageState state, String key) {
    return new KeyView(openWindows(state, key), Map.of());
  }

  private void onTimer(StageState state, String key, List<Output> outputs) {
    TreeMap<Long, WindowState> keyWindows = state.windows.get(key);
    if (keyWindows == null) {
      return;
    }
    long wm = state.watermark;
    var it = keyWindows.values().iterator();
    while (it.hasNext()) {
      WindowState w = it.next();
      if (!w.fired && w.maxTimestamp() <= wm) {
        w.fired = true;
        emit(state, key, w, outputs);
      }
      if (isLate(w.end, wm)) {
        it.remove();
      }
    }
    if (keyWindows.isEmpty()) {
      state.windows.remove(key);
    }
  }

  private boolean addToAlignedWindows(StageState state, Record record, Map<String, TreeSet<Long>> refire) {
    long ts = record.ts();
    long size;
    long slide;
    long offset;
    if (definition.window() instanceof WindowSpec.Tumbling t) {
      size = t.sizeMillis();
      slide = t.sizeMillis();
      offset = t.offsetMillis();
    } else {
      WindowSpec.Sliding s = (WindowSpec.Sliding) definition.window();
      size = s.sizeMillis();
      slide = s.slideMillis();
      offset = s.offsetMillis();
    }
    boolean accepted = false;
    long lastStart = ts - Math.floorMod(ts - offset, slide);
    for (long start = lastStart; start > ts - size; start -= slide) {
      long end = start + size;
      if (isLate(end, state.watermark)) {
        continue;
      }
      WindowState w = windowOf(state, record.key(), start, end);
      if (!add(state, w, record)) {
        continue;
      }
      accepted = true;
      if (w.maxTimestamp() <= state.watermark) {
        refire.computeIfAbsent(record.key(), k -> new TreeSet<>()).add(start);
      }
    }
    return accepted;
  }

  private boolean addToSession(StageState state, Record record, long gap, Map<String, TreeSet<Long>> refire) {
    long start = record.ts();
    long end = record.ts() + gap;
    TreeMap<Long, WindowState> keyWindows = state.windows.computeIfAbsent(record.key(), k -> new TreeMap<>());
    List<WindowState> overlapping = new ArrayList<>();
    for (WindowState w : keyWindows.values()) {
      // Flink's TimeWindow.intersects: touching sessions merge too.
      if (w.start <= end && w.end >= start) {
        overlapping.add(w);
        start = Math.min(start, w.start);
        end = Math.max(end, w.end);
      }
    }
    if (isLate(end, state.watermark)) {
      if (keyWindows.isEmpty()) {
        state.windows.remove(record.key());
      }
      return false;
    }
    WindowState merged = new WindowState(start, end, aggregations.size());
    initContents(merged);
    for (WindowState w : overlapping) {
      keyWindows.remove(w.start);
      mergeInto(state, merged, w);
      if (refire.containsKey(record.key())) {
        refire.get(record.key()).remove(w.start);
      }
    }
    keyWindows.put(start, merged);
    registerTimers(state, record.key(), merged);
    add(state, merged, record);
    if (merged.maxTimestamp() <= state.watermark) {
      refire.computeIfAbsent(record.key(), k -> new TreeSet<>()).add(start);
    }
    return true;
  }

  private WindowState windowOf(StageState state, String key, long start, long end) {
    TreeMap<Long, WindowState> keyWindows = state.windows.computeIfAbsent(key, k -> new TreeMap<>());
    WindowState w = keyWindows.get(start);
    if (w == null) {
      w = new WindowState(start, end, aggregations.size());
      initContents(w);
      keyWindows.put(start, w);
      registerTimers(state, key, w);
    }
    return w;
  }

  private void initContents(WindowState w) {
    if (kind == Kind.PROCESS) {
      w.elements = new ArrayList<>();
    }
  }

  private void registerTimers(StageState state, String key, WindowState w) {
    state.timers.computeIfAbsent(w.maxTimestamp(), t -> new TreeSet<>()).add(key);
    if (definition.allowedLateness() > 0) {
      state.timers.computeIfAbsent(cleanupTime(w.end), t -> new TreeSet<>()).add(key);
    }
  }

  /** Adds {@code record} to {@code w}; false when a user function threw (the record is skipped). */
  @SuppressWarnings("unchecked")
  private boolean add(StageState state, WindowState w, Record record) {
    switch (kind) {
      case BUILT_IN:
        padAccumulators(w);
        for (int i = 0; i < aggregations.size(); i++) {
          Aggregation a = aggregations.get(i);
          w.accumulators.get(i).add(a.field() == null ? null : record.field(a.field()));
        }
        return true;
      case AGGREGATE:
        try {
          Object acc = w.acc == null ? aggregate.createAccumulator() : StateCodec.decode(w.acc, accumulatorType);
          w.acc = StateCodec.encode(aggregate.add(record, acc));
          return true;
        } catch (Exception e) {
          functionFailed(state, "aggregate", e);
          return false;
        }
      case REDUCE:
        try {
          Record reduced = w.acc == null ? record : reduce.reduce(asRecord(record.key(), w), record);
          w.acc = StateCodec.encode(reduced.fields());
          return true;
        } catch (Exception e) {
          functionFailed(state, "reduce", e);
          return false;
        }
      case PROCESS:
        w.elements.add(record);
        return true;
      default:
        throw new IllegalStateException(kind.name());
    }
  }

  @SuppressWarnings("unchecked")
  private void mergeInto(StageState state, WindowState merged, WindowState w) {
    switch (kind) {
      case BUILT_IN:
        padAccumulators(w);
        for (int i = 0; i < aggregations.size(); i++) {
          merged.accumulators.get(i).merge(w.accumulators.get(i));
        }
        break;
      case AGGREGATE:
        if (merged.acc == null) {
          merged.acc = w.acc;
        } else if (w.acc != null) {
          try {
            merged.acc = StateCodec.encode(aggregate.merge(
                StateCodec.decode(merged.acc, accumulatorType), StateCodec.decode(w.acc, accumulatorType)));
          } catch (Exception e) {
            functionFailed(state, "aggregate merge", e);
          }
        }
        break;
      case REDUCE:
        if (merged.acc == null) {
          merged.acc = w.acc;
        } else if (w.acc != null) {
          try {
            merged.acc = StateCodec.encode(reduce.reduce(asRecord("", merged), asRecord("", w)).fields());
          } catch (Exception e) {
            functionFailed(state, "reduce", e);
          }
        }
        break;
      case PROCESS:
        merged.elements.addAll(w.elements);
        break;
      default:
        throw new IllegalStateException(kind.name());
    }
  }

  /**
   * A window stored before aggregations were appended to the pipeline (a compatible change, see
   * {@link io.keyflow.pipeline.PipelineSignature}) gets empty accumulators for the new ones.
   */
  private void padAccumulators(WindowState w) {
    while (w.accumulators.size() < aggregations.size()) {
      w.accumulators.add(new Accumulator());
    }
  }

  @SuppressWarnings("unchecked")
  private static Record asRecord(String key, WindowState w) {
    return new Record(key, w.maxTimestamp(), (Map<String, Object>) w.acc);
  }

  private boolean isLate(long windowEnd, long watermark) {
    return cleanupTime(windowEnd) <= watermark;
  }

  private long cleanupTime(long windowEnd) {
    long cleanup = windowEnd - 1 + definition.allowedLateness();
    return cleanup < windowEnd - 1 ? Long.MAX_VALUE : cleanup;
  }

  @SuppressWarnings("unchecked")
  private void emit(StageState state, String key, WindowState w, List<Output> outputs) {
    if (kind == Kind.PROCESS) {
      WindowContext ctx = new WindowContext(state, key, w, outputs);
      try {
        processWindow.process(key, ctx, List.copyOf(w.elements), ctx::collect);
      } catch (Exception e) {
        functionFailed(state, "process window [" + w.start + ", " + w.end + ") of " + key, e);
      }
      return;
    }
    Map<String, Object> values;
    try {
      values = currentValues(w);
    } catch (RuntimeException e) {
      functionFailed(state, "aggregate result", e);
      return;
    }
    state.outputSeq++;
    outputs.add(new Output(state.outputSeq, new WindowResult(key, w.start, w.end, values)));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> currentValues(WindowState w) {
    switch (kind) {
      case AGGREGATE: {
        Object acc = w.acc == null ? aggregate.createAccumulator() : StateCodec.decode(w.acc, accumulatorType);
        return valuesOf(aggregate.getResult(acc));
      }
      case REDUCE:
        return w.acc == null ? Map.of() : (Map<String, Object>) w.acc;
      case PROCESS: {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("elements", (long) w.elements.size());
        return v;
      }
      default: {
        padAccumulators(w);
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < aggregations.size(); i++) {
          Aggregation a = aggregations.get(i);
          values.put(a.name(), w.accumulators.get(i).result(a.fn()));
        }
        return values;
      }
    }
  }

  /** The context of one firing of a process window function; collects its outputs in order. */
  private final class WindowContext implements ProcessWindowFunction.Context {
    private final StageState state;
    private final String key;
    private final WindowState window;
    private final List<Output> outputs;

    WindowContext(StageState state, String key, WindowState window, List<Output> outputs) {
      this.state = state;
      this.key = key;
      this.window = window;
      this.outputs = outputs;
    }

    void collect(Object value) {
      state.outputSeq++;
      outputs.add(new Output(state.outputSeq, new WindowResult(key, window.start, window.end, valuesOf(value))));
    }

    @Override
    public TimeWindow window() {
      return new TimeWindow(window.start, window.end);
    }

    @Override
    public long currentWatermark() {
      return state.watermark;
    }

    @Override
    public long currentProcessingTime() {
      return state.processingTime;
    }

    @Override
    public <X> void output(OutputTag<X> tag, X value) {
      state.outputSeq++;
      outputs.add(new Output(state.outputSeq, new WindowResult(key, window.start, window.end, valuesOf(value)),
          null, tag.name()));
    }
  }
}
