package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.StageFunctions;
import io.keyflow.pipeline.engine.StageState;
import io.keyflow.pipeline.internal.UserCode;
import java.util.List;
import java.util.Map;

/**
 * What a window holds for one kind of window function, and what it yields: built-in aggregations,
 * an aggregate function, a reduce function or a process window function. The operator decides which
 * windows exist and when they fire; this decides only what is inside them, so every kind keeps the
 * fields of {@link WindowState} it always used and the stored state stays as it was.
 *
 * <p>User functions that throw are counted on the stage state and the call is skipped, as everywhere
 * in a stage.
 */
interface WindowContents {

  /** The contents of {@code definition}'s windows: its function if it has one, else its aggregations. */
  static WindowContents of(PipelineDefinition definition) {
    StageFunctions f = definition.functions();
    if (f != null && f.aggregate() != null) {
      return new AggregateFunctionContents(f.aggregate(), f.accumulatorType());
    }
    if (f != null && f.reduce() != null) {
      return new ReduceFunctionContents(f.reduce());
    }
    if (f != null && f.processWindow() != null) {
      return new ProcessWindowContents(f.processWindow());
    }
    return new BuiltInAggregationContents(definition.aggregations());
  }

  /** Prepares a window that was just created, before anything is added to it. */
  default void init(WindowState window) {}

  /** Adds {@code record} to {@code window}; false when a user function threw (the record is skipped). */
  boolean add(StageState state, WindowState window, Record record);

  /** Folds the contents of {@code from} into {@code into}, when sessions merge. */
  void merge(StageState state, WindowState into, WindowState from);

  /** The window's current result values, for a firing and for queryable state. */
  Map<String, Object> values(WindowState window);

  /** The window fires: appends its results to {@code outputs}, numbered on the stage state. */
  default void fire(StageState state, String key, WindowState window, List<Output> outputs) {
    Map<String, Object> values;
    try {
      values = values(window);
    } catch (RuntimeException e) {
      UserCode.functionFailed(state, "aggregate result", e);
      return;
    }
    state.outputSeq++;
    outputs.add(new Output(state.outputSeq, new WindowResult(key, window.start, window.end, values)));
  }
}
