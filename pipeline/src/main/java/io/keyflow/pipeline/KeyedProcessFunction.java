package io.keyflow.pipeline;

/**
 * A windowless keyed function with state and timers, as Flink's {@code KeyedProcessFunction}: it sees
 * every record of its keys (late or not), keeps keyed state ({@link ValueState}, {@link ListState},
 * {@link MapState}, obtained in {@link #open}) and registers event- and processing-time timers.
 *
 * <p>Like Flink, Keyflow gives every key group its own copy of the function (made by Java
 * serialization, so the function and its fields must be {@link java.io.Serializable}; state handles
 * belong in fields assigned in {@code open}). State and timers are persisted with the key group and
 * survive failover and rebalancing; everything else in fields is lost on restart. Functions must be
 * deterministic: the journal is replayed through them after a crash, and must produce the same outputs.
 *
 * <p>Outputs must be encodable by {@link StateCodec}; each is stored as a result of the key at the
 * output's timestamp ({@code window_start = window_end = timestamp}: the record's time in
 * {@code processElement}, the timer's time in {@code onTimer}); the latest output per key and
 * timestamp is kept.
 */
public abstract class KeyedProcessFunction<OUT> implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /** Called once per key group before any record, to obtain state handles. */
  public void open(RuntimeContext context) throws Exception {}

  /** Called for every record of the key group, with {@code ctx.getCurrentKey()} = the record's key. */
  public abstract void processElement(Record value, Context ctx, Collector<OUT> out) throws Exception;

  /** Called when a timer of {@code ctx.getCurrentKey()} fires at {@code timestamp}. */
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<OUT> out) throws Exception {}

  /** What {@code processElement} knows. */
  public interface Context {
    /** The record's timestamp. */
    long timestamp();

    String getCurrentKey();

    TimerService timerService();

    /** Emits {@code value} to the side output {@code tag}. */
    <X> void output(OutputTag<X> tag, X value);
  }

  /** What {@code onTimer} knows. */
  public interface OnTimerContext extends Context {
    TimeDomain timeDomain();
  }
}
