package io.keyflow.pipeline.runtime;

import io.keyflow.pipeline.AggregateFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.StateCodec;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * An {@link AggregateFunction}: the window keeps only the accumulator, as a neutral tree in
 * {@link WindowState#acc}, decoded with the declared accumulator type because a restored state
 * carries no type information.
 */
final class AggregateFunctionContents implements WindowContents {

  private final AggregateFunction<Object, Object> aggregate;
  private final Type accumulatorType;

  @SuppressWarnings("unchecked")
  AggregateFunctionContents(AggregateFunction<?, ?> aggregate, Type accumulatorType) {
    this.aggregate = (AggregateFunction<Object, Object>) aggregate;
    this.accumulatorType = accumulatorType;
  }

  @Override
  public boolean add(StageState state, WindowState window, Record record) {
    try {
      window.acc = StateCodec.encode(aggregate.add(record, accumulator(window)));
      return true;
    } catch (Exception e) {
      StageOperator.functionFailed(state, "aggregate", e);
      return false;
    }
  }

  @Override
  public void merge(StageState state, WindowState into, WindowState from) {
    if (into.acc == null) {
      into.acc = from.acc;
    } else if (from.acc != null) {
      try {
        into.acc = StateCodec.encode(aggregate.merge(
            StateCodec.decode(into.acc, accumulatorType), StateCodec.decode(from.acc, accumulatorType)));
      } catch (Exception e) {
        StageOperator.functionFailed(state, "aggregate merge", e);
      }
    }
  }

  @Override
  public Map<String, Object> values(WindowState window) {
    return StageOperator.valuesOf(aggregate.getResult(accumulator(window)));
  }

  private Object accumulator(WindowState window) {
    return window.acc == null ? aggregate.createAccumulator() : StateCodec.decode(window.acc, accumulatorType);
  }
}
