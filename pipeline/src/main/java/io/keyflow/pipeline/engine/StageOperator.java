package io.keyflow.pipeline.engine;

import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The pure operator core of one keyed stage in one key group: {@code (state, input) → (state',
 * outputs)}, where an input is a batch of records (with the processing time it was applied at), a
 * watermark advance or a processing-time advance. Deterministic and single-threaded: no clock, no
 * randomness, no I/O, no actors. The same code runs in {@link io.keyflow.pipeline.testkit.PipelineTestHarness},
 * in the persistent key-group entity and during journal replay, so replay reproduces the same state
 * and the same numbered outputs. The state is changed in place (see {@link StageState}).
 *
 * <p>Time follows Flink's rules: the watermark of a key group is {@code max event time − bound − 1},
 * computed after each batch (records of one batch are judged against the watermark from before it,
 * like Flink's periodic watermarks); it never goes back. With an idle timeout, a key group without
 * records for that long advances its watermark by the processing time that elapses.
 *
 * <p>User functions that throw are contained: the record (or timer) is skipped and counted in
 * {@link StageState#functionErrors} with the last message, so one bad record cannot stop a key group
 * that replays it after every restart.
 *
 * <p>{@code io.keyflow.pipeline.runner.Operators#create} makes the operator of a definition.
 */
public abstract class StageOperator {

  protected final PipelineDefinition definition;

  protected StageOperator(PipelineDefinition definition) {
    this.definition = definition;
  }

  public PipelineDefinition definition() {
    return definition;
  }

  /** What one key holds: its open windows (window stages) or its keyed state (process stages). */
  public record KeyView(List<WindowResult> openWindows, Map<String, Object> state) {}

  /** Applies a batch of records that arrived at {@code processingTime} (an input, journaled with it). */
  public final List<Output> processBatch(StageState state, List<Record> batch, long processingTime) {
    if (!batch.isEmpty()) {
      state.lastInputProcessingTime = Math.max(state.lastInputProcessingTime, processingTime);
    }
    state.processingTime = Math.max(state.processingTime, processingTime);
    List<Output> outputs = new ArrayList<>();
    applyBatch(state, batch, outputs);
    return outputs;
  }

  /** Applies a batch applied at an unknown processing time (the state's latest one). */
  public final List<Output> processBatch(StageState state, List<Record> batch) {
    return processBatch(state, batch, state.processingTime);
  }

  /** Moves the event-time watermark forward (never back) and fires what it passes. */
  public final List<Output> advanceWatermark(StageState state, long watermark) {
    List<Output> outputs = new ArrayList<>();
    advanceWatermark(state, watermark, outputs);
    return outputs;
  }

  /**
   * Processing time advanced to {@code now}: fires processing-time windows and timers that are due,
   * and with an idle timeout advances an idle key group's watermark by the processing time that
   * elapsed since it became idle (never jumping to the wall clock). Idleness is applied only while the
   * key group has event-time work pending (open windows, event-time timers), so an empty idle key
   * group costs no journal write; a record ends the idle period either way.
   */
  public final List<Output> advanceProcessingTime(StageState state, long now) {
    List<Output> outputs = new ArrayList<>();
    state.processingTime = Math.max(state.processingTime, now);
    if (idleAdvanceDue(state, now)) {
      long from = Math.max(state.lastInputProcessingTime + definition.idleTimeout(), state.idleAdvancedTo);
      state.idleAdvancedTo = now;
      advanceWatermark(state, state.watermark + (now - from), outputs);
    }
    fireProcessingTime(state, now, outputs);
    return outputs;
  }

  /** Whether {@link #advanceProcessingTime} at {@code now} would fire or advance anything. */
  public boolean processingTimeDue(StageState state, long now) {
    return idleAdvanceDue(state, now) || processingTimersDue(state, now);
  }

  /** Whether an idle key group's watermark would move at processing time {@code now}. */
  public boolean idleAdvanceDue(StageState state, long now) {
    if (definition.idleTimeout() == 0 || state.lastInputProcessingTime == Long.MIN_VALUE
        || state.watermark == Long.MIN_VALUE || !hasEventTimeWork(state)) {
      return false;
    }
    long idleSince = state.lastInputProcessingTime + definition.idleTimeout();
    return now > Math.max(idleSince, state.idleAdvancedTo);
  }

  /** The state of one key, for queryable state. */
  public abstract KeyView queryKey(StageState state, String key);

  protected abstract void applyBatch(StageState state, List<Record> batch, List<Output> outputs);

  /** The watermark moved to {@code state.watermark}: fire event-time windows and timers. */
  protected abstract void fireEventTime(StageState state, List<Output> outputs);

  protected abstract void fireProcessingTime(StageState state, long now, List<Output> outputs);

  protected abstract boolean processingTimersDue(StageState state, long now);

  /** Whether a watermark advance could fire anything (idleness is only worth a write then). */
  protected boolean hasEventTimeWork(StageState state) {
    return !state.timers.isEmpty();
  }

  protected final void advanceWatermark(StageState state, long watermark, List<Output> outputs) {
    if (watermark <= state.watermark) {
      return;
    }
    state.watermark = watermark;
    fireEventTime(state, outputs);
  }

  /** After a batch: the watermark follows the highest event time seen. */
  protected final void advanceWatermarkFromData(StageState state, List<Output> outputs) {
    if (state.maxTimestamp != Long.MIN_VALUE) {
      advanceWatermark(state, state.maxTimestamp - definition.maxOutOfOrderness() - 1, outputs);
    }
  }
}
