package io.keyflow.pipeline;

/**
 * Processes all records of one window of one key when the window fires, as Flink's
 * {@code ProcessWindowFunction}: every record is kept until then (use {@link AggregateFunction} when
 * an accumulator suffices). On a re-fire within allowed lateness it sees all records again, the late
 * one included. Outputs must be encodable by {@link StateCodec}; each becomes a result of the window
 * (a record or map as its {@code values}, any other value as {@code {"value": v}}); a window keeps its
 * latest result, so emit one output per window and key. Must be deterministic.
 */
public abstract class ProcessWindowFunction<OUT> implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /** Called once per firing of {@code context.window()} for {@code key}. */
  public abstract void process(String key, Context context, Iterable<Record> elements, Collector<OUT> out)
      throws Exception;

  /** What a firing window knows. */
  public interface Context {
    TimeWindow window();

    long currentWatermark();

    long currentProcessingTime();

    /** Emits {@code value} to the side output {@code tag}. */
    <X> void output(OutputTag<X> tag, X value);
  }
}
