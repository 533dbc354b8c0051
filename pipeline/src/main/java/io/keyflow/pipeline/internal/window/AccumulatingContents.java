package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.engine.StageState;
import io.keyflow.pipeline.internal.UserCode;

/**
 * The contents of a window that folds its records into one value, kept as a neutral tree in
 * {@link WindowState#acc} (null until the first record): an aggregate or a reduce function. A
 * function that throws leaves the value as it was.
 */
abstract class AccumulatingContents implements WindowContents {

  /** What a failure is reported as in {@link StageState#lastFunctionError}, which is stored. */
  private final String addFailure;
  private final String mergeFailure;

  AccumulatingContents(String addFailure, String mergeFailure) {
    this.addFailure = addFailure;
    this.mergeFailure = mergeFailure;
  }

  /** The value of {@code window} with {@code record} added, as a neutral tree. */
  abstract Object accumulate(WindowState window, Record record);

  /** The values of two windows, neither of them empty, folded into one neutral tree. */
  abstract Object combine(WindowState into, WindowState from);

  @Override
  public final boolean add(StageState state, WindowState window, Record record) {
    try {
      window.acc = accumulate(window, record);
      return true;
    } catch (Exception e) {
      UserCode.functionFailed(state, addFailure, e);
      return false;
    }
  }

  @Override
  public final void merge(StageState state, WindowState into, WindowState from) {
    if (into.acc == null) {
      into.acc = from.acc;
    } else if (from.acc != null) {
      try {
        into.acc = combine(into, from);
      } catch (Exception e) {
        UserCode.functionFailed(state, mergeFailure, e);
      }
    }
  }
}
