package io.keyflow.pipeline.runtime;

import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.ReduceFunction;
import io.keyflow.pipeline.StateCodec;
import java.util.Map;

/**
 * A {@link ReduceFunction}: the window keeps the fields of the record reduced so far in
 * {@link WindowState#acc}; its first record is kept as it came.
 */
final class ReduceFunctionContents implements WindowContents {

  private final ReduceFunction reduce;

  ReduceFunctionContents(ReduceFunction reduce) {
    this.reduce = reduce;
  }

  @Override
  public boolean add(StageState state, WindowState window, Record record) {
    try {
      Record reduced = window.acc == null ? record : reduce.reduce(asRecord(record.key(), window), record);
      window.acc = StateCodec.encode(reduced.fields());
      return true;
    } catch (Exception e) {
      StageOperator.functionFailed(state, "reduce", e);
      return false;
    }
  }

  /** The reduced records of merged sessions carry no key: the function sees {@code ""}. */
  @Override
  public void merge(StageState state, WindowState into, WindowState from) {
    if (into.acc == null) {
      into.acc = from.acc;
    } else if (from.acc != null) {
      try {
        into.acc = StateCodec.encode(reduce.reduce(asRecord("", into), asRecord("", from)).fields());
      } catch (Exception e) {
        StageOperator.functionFailed(state, "reduce", e);
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public Map<String, Object> values(WindowState window) {
    return window.acc == null ? Map.of() : (Map<String, Object>) window.acc;
  }

  @SuppressWarnings("unchecked")
  private static Record asRecord(String key, WindowState window) {
    return new Record(key, window.maxTimestamp(), (Map<String, Object>) window.acc);
  }
}
