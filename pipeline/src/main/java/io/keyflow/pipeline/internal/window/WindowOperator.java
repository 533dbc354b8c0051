package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import io.keyflow.pipeline.AggregateFunction;
import io.keyflow.pipeline.ProcessWindowFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.ReduceFunction;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
import io.keyflow.pipeline.engine.StageState;
import java.util.ArrayList;
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
 *
 * <p>This class decides which windows exist and when they fire; what a window holds and yields for
 * each kind of function is a {@link WindowContents}, the bounds of tumbling and sliding windows are
 * {@link AlignedWindows}, and which sessions a record joins and merges is the {@link SessionMerger}.
 */
public final class WindowOperator extends StageOperator {

  private final int aggregationCount;
  private final WindowContents contents;
  /** Exactly one of these two is set: sessions merge, tumbling and sliding windows never do. */
  private final AlignedWindows aligned;
  private final SessionMerger sessionMerger;

  public WindowOperator(PipelineDefinition definition) {
    super(definition);
    if (definition.window() == null) {
      throw new IllegalArgumentException("pipeline " + definition.name() + " has no window");
    }
    this.aggregationCount = definition.aggregations().size();
    this.contents = WindowContents.of(definition);
    this.aligned = AlignedWindows.of(definition.window());
    this.sessionMerger = definition.window() instanceof WindowSpec.Session session
        ? new SessionMerger(session.gapMillis()) : null;
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
          contents.fire(state, key, w, outputs);
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
    return aligned != null ? addToAlignedWindows(state, record, refire) : addToSession(state, record, refire);
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
        result.add(new WindowResult(key, w.start, w.end, contents.values(w)));
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
        contents.fire(state, key, w, outputs);
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
    boolean accepted = false;
    for (long start = aligned.lastStart(ts); start > ts - aligned.size(); start -= aligned.slide()) {
      long end = start + aligned.size();
      if (isLate(end, state.watermark)) {
        continue;
      }
      WindowState w = windowOf(state, record.key(), start, end);
      if (!contents.add(state, w, record)) {
        continue;
      }
      accepted = true;
      if (w.maxTimestamp() <= state.watermark) {
        refire.computeIfAbsent(record.key(), k -> new TreeSet<>()).add(start);
      }
    }
    return accepted;
  }

  private boolean addToSession(StageState state, Record record, Map<String, TreeSet<Long>> refire) {
    TreeMap<Long, WindowState> sessions = state.windows.computeIfAbsent(record.key(), k -> new TreeMap<>());
    SessionMerger.Merge merge = sessionMerger.sessionOf(sessions, record.ts());
    if (isLate(merge.end(), state.watermark)) {
      if (sessions.isEmpty()) {
        state.windows.remove(record.key());
      }
      return false;
    }
    WindowState merged = newWindow(merge.start(), merge.end());
    SessionMerger.apply(sessions, merge, merged, (into, from) -> contents.merge(state, into, from));
    TreeSet<Long> refired = refire.get(record.key());
    if (refired != null) {
      // An absorbed session fires as part of the merged one.
      merge.absorbed().forEach(w -> refired.remove(w.start));
    }
    registerTimers(state, record.key(), merged);
    contents.add(state, merged, record);
    if (merged.maxTimestamp() <= state.watermark) {
      refire.computeIfAbsent(record.key(), k -> new TreeSet<>()).add(merged.start);
    }
    return true;
  }

  private WindowState windowOf(StageState state, String key, long start, long end) {
    TreeMap<Long, WindowState> keyWindows = state.windows.computeIfAbsent(key, k -> new TreeMap<>());
    WindowState w = keyWindows.get(start);
    if (w == null) {
      w = newWindow(start, end);
      keyWindows.put(start, w);
      registerTimers(state, key, w);
    }
    return w;
  }

  /**
   * Every window gets one accumulator per built-in aggregation whatever its function, as stored
   * windows always had.
   */
  private WindowState newWindow(long start, long end) {
    WindowState w = new WindowState(start, end, aggregationCount);
    contents.init(w);
    return w;
  }

  private void registerTimers(StageState state, String key, WindowState w) {
    state.timers.computeIfAbsent(w.maxTimestamp(), t -> new TreeSet<>()).add(key);
    if (definition.allowedLateness() > 0) {
      state.timers.computeIfAbsent(cleanupTime(w.end), t -> new TreeSet<>()).add(key);
    }
  }

  private boolean isLate(long windowEnd, long watermark) {
    return cleanupTime(windowEnd) <= watermark;
  }

  private long cleanupTime(long windowEnd) {
    long cleanup = windowEnd - 1 + definition.allowedLateness();
    return cleanup < windowEnd - 1 ? Long.MAX_VALUE : cleanup;
  }
}
