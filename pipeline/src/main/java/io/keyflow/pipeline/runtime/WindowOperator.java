package io.keyflow.pipeline.runtime;

import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The pure operator core of a keyed window stage: given a {@link StageState} and an input (a batch
 * of records, or a watermark), it updates the state and returns the outputs. Deterministic,
 * single-threaded, no clock, no I/O — the same code runs in the unit-test harness, in the
 * persistent entity and during journal replay, so replay reproduces the same state and outputs.
 *
 * <p>Time follows Flink's rules: the watermark of a key group is {@code max event time − bound −
 * 1}; a window {@code [start, end)} fires when the watermark reaches {@code end − 1}; a window is
 * late once {@code end − 1 + allowedLateness <= watermark}, and a record whose every window is late
 * is dropped and counted. A record that lands in a window that already fired (within allowed
 * lateness) re-fires it with the updated value. Records of one batch are judged against the
 * watermark from before the batch, which then advances once — like Flink's periodic watermarks.
 */
public final class WindowOperator {

  private final PipelineDefinition definition;
  private final List<Aggregation> aggregations;

  public WindowOperator(PipelineDefinition definition) {
    this.definition = definition;
    this.aggregations = definition.aggregations();
  }

  public PipelineDefinition definition() {
    return definition;
  }

  /**
   * Applies a batch that arrived at {@code processingTime} (epoch ms, an input like any other: the
   * runtime journals it with the batch) — the start of an idle key group's idleness clock.
   */
  public List<Output> processBatch(StageState state, List<Record> batch, long processingTime) {
    if (!batch.isEmpty()) {
      state.lastInputProcessingTime = Math.max(state.lastInputProcessingTime, processingTime);
    }
    if (definition.processingTime()) {
      return processOnProcessingTime(state, batch, processingTime);
    }
    return processBatch(state, batch);
  }

  /**
   * Processing-time windows: every record of the batch is assigned by the batch's processing time
   * (never earlier than the clock already reached, so no record is ever late), and the stage's
   * watermark is that processing-time clock. Windows fire on {@link #advanceProcessingTime}.
   */
  private List<Output> processOnProcessingTime(StageState state, List<Record> batch, long processingTime) {
    long now = state.watermark == Long.MIN_VALUE ? processingTime : Math.max(processingTime, state.watermark + 1);
    List<Record> stamped = new ArrayList<>(batch.size());
    for (Record r : batch) {
      stamped.add(new Record(r.key(), now, r.fields()));
    }
    List<Output> outputs = advanceWatermark(state, now - 1);
    long maxTimestamp = state.maxTimestamp;
    for (Record r : stamped) {
      state.recordsApplied++;
      boolean accepted = definition.window() instanceof WindowSpec.Session session
          ? addToSession(state, r, session.gapMillis(), new TreeMap<>())
          : addToAlignedWindows(state, r, new TreeMap<>());
      if (!accepted) {
        state.lateRecordsDropped++;
      }
    }
    state.maxTimestamp = Math.max(maxTimestamp, now);
    return outputs;
  }

  /**
   * Processing time advanced to {@code now}. With an idle-timeout, a key group without records for
   * that long is idle: its watermark advances by the processing time that elapsed since it became
   * idle (never jumping to the wall clock), so its windows close without new input.
   */
  public List<Output> advanceProcessingTime(StageState state, long now) {
    if (definition.processingTime()) {
      // A window [start, end) on processing time fires once the clock reaches end − 1.
      return advanceWatermark(state, now);
    }
    if (!idleAdvanceDue(state, now)) {
      return new ArrayList<>();
    }
    long from = Math.max(state.lastInputProcessingTime + definition.idleTimeout(), state.idleAdvancedTo);
    state.idleAdvancedTo = now;
    return advanceWatermark(state, state.watermark + (now - from));
  }

  /** Whether processing time {@code now} would fire or purge something (a processing-time window is due). */
  public boolean processingTimeDue(StageState state, long now) {
    return definition.processingTime() ? !state.timers.isEmpty() && state.timers.firstKey() <= now
        : idleAdvanceDue(state, now);
  }

  /** Whether {@link #advanceProcessingTime} at {@code now} would move an idle key group's watermark. */
  public boolean idleAdvanceDue(StageState state, long now) {
    if (definition.idleTimeout() == 0 || state.lastInputProcessingTime == Long.MIN_VALUE
        || state.watermark == Long.MIN_VALUE) {
      return false;
    }
    long idleSince = state.lastInputProcessingTime + definition.idleTimeout();
    return now > Math.max(idleSince, state.idleAdvancedTo);
  }

  /** Applies a batch of records in order, then advances the watermark; returns the fired outputs. */
  public List<Output> processBatch(StageState state, List<Record> batch) {
    List<Output> outputs = new ArrayList<>();
    TreeMap<String, TreeSet<Long>> refire = new TreeMap<>();
    for (Record record : batch) {
      state.recordsApplied++;
      if (record.ts() > state.maxTimestamp) {
        state.maxTimestamp = record.ts();
      }
      boolean accepted = definition.window() instanceof WindowSpec.Session session
          ? addToSession(state, record, session.gapMillis(), refire)
          : addToAlignedWindows(state, record, refire);
      if (!accepted) {
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
          outputs.add(emit(state, key, w));
        }
      }
    });
    if (state.maxTimestamp != Long.MIN_VALUE) {
      long fromData = state.maxTimestamp - definition.maxOutOfOrderness() - 1;
      outputs.addAll(advanceWatermark(state, fromData));
    }
    return outputs;
  }

  /** Moves the watermark forward (never back) and fires and purges every window it passes. */
  public List<Output> advanceWatermark(StageState state, long watermark) {
    List<Output> outputs = new ArrayList<>();
    if (watermark <= state.watermark) {
      return outputs;
    }
    state.watermark = watermark;
    while (!state.timers.isEmpty() && state.timers.firstKey() <= watermark) {
      for (String key : state.timers.pollFirstEntry().getValue()) {
        onTimer(state, key, outputs);
      }
    }
    return outputs;
  }

  /** The open windows of one key, with their current values, for queryable state. */
  public List<WindowResult> openWindows(StageState state, String key) {
    List<WindowResult> result = new ArrayList<>();
    TreeMap<Long, WindowState> keyWindows = state.windows.get(key);
    if (keyWindows != null) {
      for (WindowState w : keyWindows.values()) {
        result.add(new WindowResult(key, w.start, w.end, values(w)));
      }
    }
    return result;
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
        outputs.add(emit(state, key, w));
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
      accepted = true;
      WindowState w = windowOf(state, record.key(), start, end);
      add(w, record);
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
    for (WindowState w : overlapping) {
      keyWindows.remove(w.start);
      for (int i = 0; i < aggregations.size(); i++) {
        merged.accumulators.get(i).merge(w.accumulators.get(i));
      }
      if (refire.containsKey(record.key())) {
        refire.get(record.key()).remove(w.start);
      }
    }
    keyWindows.put(start, merged);
    registerTimers(state, record.key(), merged);
    add(merged, record);
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
      keyWindows.put(start, w);
      registerTimers(state, key, w);
    }
    return w;
  }

  private void registerTimers(StageState state, String key, WindowState w) {
    state.timers.computeIfAbsent(w.maxTimestamp(), t -> new TreeSet<>()).add(key);
    if (definition.allowedLateness() > 0) {
      state.timers.computeIfAbsent(cleanupTime(w.end), t -> new TreeSet<>()).add(key);
    }
  }

  private void add(WindowState w, Record record) {
    for (int i = 0; i < aggregations.size(); i++) {
      Aggregation a = aggregations.get(i);
      w.accumulators.get(i).add(a.field() == null ? null : record.field(a.field()));
    }
  }

  private boolean isLate(long windowEnd, long watermark) {
    return cleanupTime(windowEnd) <= watermark;
  }

  private long cleanupTime(long windowEnd) {
    long cleanup = windowEnd - 1 + definition.allowedLateness();
    return cleanup < windowEnd - 1 ? Long.MAX_VALUE : cleanup;
  }

  private Output emit(StageState state, String key, WindowState w) {
    state.outputSeq++;
    return new Output(state.outputSeq, new WindowResult(key, w.start, w.end, values(w)));
  }

  private Map<String, Object> values(WindowState w) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < aggregations.size(); i++) {
      Aggregation a = aggregations.get(i);
      values.put(a.name(), w.accumulators.get(i).result(a.fn()));
    }
    return values;
  }
}
