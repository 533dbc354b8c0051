package io.keyflow.pipeline;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;

/**
 * The user code of a Java pipeline's keyed stage: how events are keyed and timestamped, and at most
 * one of an {@link AggregateFunction}, a {@link ReduceFunction}, a {@link ProcessWindowFunction}
 * (windowed stages) or a {@link KeyedProcessFunction} (windowless). Null parts fall back to the
 * declarative ones of the {@link StageSpec} (key field, time field, built-in aggregations).
 *
 * @param accumulatorType the declared accumulator type of {@code aggregate}, used to decode it
 */
public record StageFunctions(
    KeySelector keySelector,
    TimestampAssigner timestampAssigner,
    AggregateFunction<?, ?> aggregate,
    Type accumulatorType,
    ReduceFunction reduce,
    ProcessWindowFunction<?> processWindow,
    KeyedProcessFunction<?> process) {

  public StageFunctions {
    int functions = (aggregate == null ? 0 : 1) + (reduce == null ? 0 : 1) + (processWindow == null ? 0 : 1)
        + (process == null ? 0 : 1);
    if (functions > 1) {
      throw new IllegalArgumentException("a stage has one function: aggregate, reduce or process");
    }
    if (aggregate != null) {
      if (accumulatorType == null) {
        accumulatorType = accumulatorTypeOf(aggregate);
      }
      StateCodec.check(accumulatorType, "the accumulator of " + aggregate.getClass().getName());
    }
  }

  /** Whether the stage runs a user function rather than built-in aggregations. */
  public boolean hasFunction() {
    return aggregate != null || reduce != null || processWindow != null || process != null;
  }

  /** Keying and time only. */
  public static StageFunctions of(KeySelector keySelector, TimestampAssigner timestampAssigner) {
    return new StageFunctions(keySelector, timestampAssigner, null, null, null, null, null);
  }

  public StageFunctions withAggregate(AggregateFunction<?, ?> fn, Type accType) {
    return new StageFunctions(keySelector, timestampAssigner, fn, accType, null, null, null);
  }

  public StageFunctions withReduce(ReduceFunction fn) {
    return new StageFunctions(keySelector, timestampAssigner, null, null, fn, null, null);
  }

  public StageFunctions withProcessWindow(ProcessWindowFunction<?> fn) {
    return new StageFunctions(keySelector, timestampAssigner, null, null, null, fn, null);
  }

  public StageFunctions withProcess(KeyedProcessFunction<?> fn) {
    return new StageFunctions(keySelector, timestampAssigner, null, null, null, null, fn);
  }

  /** {@code ACC} of the class implementing {@link AggregateFunction}, or a clear error. */
  static Type accumulatorTypeOf(AggregateFunction<?, ?> fn) {
    for (Class<?> c = fn.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
      for (Type t : c.getGenericInterfaces()) {
        if (t instanceof ParameterizedType p && p.getRawType() == AggregateFunction.class) {
          Type acc = p.getActualTypeArguments()[0];
          if (!(acc instanceof TypeVariable<?>)) {
            return acc;
          }
        }
      }
    }
    throw new IllegalArgumentException("cannot tell the accumulator type of " + fn.getClass().getName()
        + ": implement AggregateFunction<ACC, OUT> with concrete type arguments, or pass the type to aggregate(fn, type)");
  }
}
