package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import io.keyflow.pipeline.AggregateFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.StateCodec;
import io.keyflow.pipeline.internal.UserCode;
import java.lang.reflect.Type;
import java.util.Map;

/**
 * An {@link AggregateFunction}: the window keeps only the accumulator, decoded with the declared
 * accumulator type because a restored state carries no type information.
 */
final class AggregateFunctionContents extends AccumulatingContents {

  private final AggregateFunction<Object, Object> aggregate;
  private final Type accumulatorType;

  @SuppressWarnings("unchecked")
  AggregateFunctionContents(AggregateFunction<?, ?> aggregate, Type accumulatorType) {
    super("aggregate", "aggregate merge");
    this.aggregate = (AggregateFunction<Object, Object>) aggregate;
    this.accumulatorType = accumulatorType;
  }

  @Override
  Object accumulate(WindowState window, Record record) {
    return StateCodec.encode(aggregate.add(record, accumulator(window)));
  }

  @Override
  Object combine(WindowState into, WindowState from) {
    return StateCodec.encode(aggregate.merge(
        StateCodec.decode(into.acc, accumulatorType), StateCodec.decode(from.acc, accumulatorType)));
  }

  @Override
  public Map<String, Object> values(WindowState window) {
    return UserCode.valuesOf(aggregate.getResult(accumulator(window)));
  }

  private Object accumulator(WindowState window) {
    return window.acc == null ? aggregate.createAccumulator() : StateCodec.decode(window.acc, accumulatorType);
  }
}
