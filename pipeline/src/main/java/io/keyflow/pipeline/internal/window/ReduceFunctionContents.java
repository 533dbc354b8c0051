package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.ReduceFunction;
import io.keyflow.pipeline.StateCodec;
import java.util.Map;

/**
 * A {@link ReduceFunction}: the window keeps the fields of the record reduced so far; its first
 * record is kept as it came.
 */
final class ReduceFunctionContents extends AccumulatingContents {

  private final ReduceFunction reduce;

  ReduceFunctionContents(ReduceFunction reduce) {
    super("reduce", "reduce");
    this.reduce = reduce;
  }

  @Override
  Object accumulate(WindowState window, Record record) {
    Record reduced = window.acc == null ? record : reduce.reduce(asRecord(record.key(), window), record);
    return StateCodec.encode(reduced.fields());
  }

  /** The reduced records of merged sessions carry no key: the function sees {@code ""}. */
  @Override
  Object combine(WindowState into, WindowState from) {
    return StateCodec.encode(reduce.reduce(asRecord("", into), asRecord("", from)).fields());
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
