package io.keyflow.pipeline;

import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A keyed pipeline written in Java, shaped like a Flink job:
 *
 * <pre>{@code
 * Pipeline.named("clicks")
 *     .keyBy(e -> e.string("user"))
 *     .eventTime(e -> e.ts(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(2))
 *                                             .withIdleness(Duration.ofSeconds(30)))
 *     .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
 *     .allowedLateness(Duration.ofSeconds(30))
 *     .sideOutputLateData("late-clicks")
 *     .aggregate(Aggregations.count("n").sum("amount", "amount"));
 * }</pre>
 *
 * A windowed stream ends in {@code aggregate}, {@code reduce} or {@code process(ProcessWindowFunction)};
 * a keyed stream may instead end in {@code process(KeyedProcessFunction)}. The result is an immutable
 * {@link Pipeline}; deploy it with a {@link PipelineProvider} class named in the node's configuration
 * ({@code keyflow.pipelines.clicks.class = "com.acme.Clicks"}), or test it with
 * {@link PipelineTestHarness}. Without {@code eventTime(...)}, event time is the {@code ts} field and
 * the watermark trails it by 0 ms.
 */
public final class Pipeline {

  private final List<StageSpec> stages;

  private Pipeline(List<StageSpec> stages) {
    this.stages = List.copyOf(stages);
  }

  /** Starts a pipeline named {@code name} (letters, digits, {@code _} and {@code -}; used in URLs). */
  public static Builder named(String name) {
    return new Builder(name, StageSpec.DEFAULT_STAGE, KeyGroupAssigner.DEFAULT_MAX_KEY_GROUPS, null);
  }

  /** The keyed stages of this pipeline in order; the first is the one events enter. */
  public List<StageSpec> stages() {
    return stages;
  }

  /**
   * Adds a keyed stage named {@code stage} fed with this pipeline's results (re-keyed by its own
   * {@code keyBy}): each result becomes an event with the result's values plus {@code key},
   * {@code window_start}, {@code window_end} and {@code ts} (window end − 1). Delivery between stages
   * is exactly-once. Example: count per item per window, then the top item per window:
   * <pre>{@code
   * Pipeline.named("top-items").keyBy("item").window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
   *     .aggregate(Aggregations.count("n"))
   *     .then("top").keyBy(e -> "all").window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
   *     .reduce((a, b) -> b.longValue("n") > a.longValue("n") ? b : a);
   * }</pre>
   */
  public Builder then(String stage) {
    return new Builder(name(), stage, stages.get(stages.size() - 1).maxKeyGroups(), this);
  }

  private Pipeline append(StageSpec last) {
    for (StageSpec s : stages) {
      if (s.name().equals(last.name())) {
        throw new IllegalArgumentException("stage name '" + last.name() + "' is used twice");
      }
    }
    List<StageSpec> all = new ArrayList<>(stages);
    all.add(last);
    return new Pipeline(all);
  }

  public String name() {
    return stages.get(0).pipeline();
  }

  /** The first step of a stage: name given, key to come. */
  public static final class Builder {
    private final String name;
    private final String stage;
    private final Pipeline previous;
    private int maxKeyGroups;

    private Builder(String name, String stage, int maxKeyGroups, Pipeline previous) {
      this.name = name;
      this.stage = stage;
      this.maxKeyGroups = maxKeyGroups;
      this.previous = previous;
    }

    /** Number of key groups (Flink's max parallelism), default 128; fixed for the life of the state. */
    public Builder maxKeyGroups(int n) {
      this.maxKeyGroups = n;
      return this;
    }

    /** Keys each event by {@code selector}. */
    public KeyedStream keyBy(KeySelector selector) {
      return new KeyedStream(this, "key", selector);
    }

    /** Keys each event by the string (or integer) field {@code field}. */
    public KeyedStream keyBy(String field) {
      return new KeyedStream(this, field, null);
    }
  }

  /** A keyed stream: give it event time, then a window or a process function. */
  public static final class KeyedStream {
    private final Builder builder;
    private final String keyField;
    private final KeySelector keySelector;
    private String timeField = "ts";
    private TimestampAssigner timestamps;
    private WatermarkStrategy watermarks = WatermarkStrategy.forMonotonousTimestamps();

    private KeyedStream(Builder builder, String keyField, KeySelector keySelector) {
      this.builder = builder;
      this.keyField = keyField;
      this.keySelector = keySelector;
    }

    /** Event time from {@code assigner}, watermarks by {@code strategy}. */
    public KeyedStream eventTime(TimestampAssigner assigner, WatermarkStrategy strategy) {
      this.timestamps = assigner;
      this.watermarks = strategy;
      return this;
    }

    /** Event time from the integral field {@code field} (epoch ms), watermarks by {@code strategy}. */
    public KeyedStream eventTime(String field, WatermarkStrategy strategy) {
      this.timeField = field;
      this.timestamps = null;
      this.watermarks = strategy;
      return this;
    }

    /** Windows the keyed stream. */
    public WindowedStream window(WindowAssigner assigner) {
      return new WindowedStream(this, assigner);
    }

    /** Ends the pipeline in a windowless keyed function with state and timers. */
    public Pipeline process(KeyedProcessFunction<?> function) {
      return finish(null, false, 0, null, List.of(), StageFunctions.of(keySelector, timestamps).withProcess(function));
    }

    private Pipeline finish(WindowSpec window, boolean processingTime, long lateness,
        String lateOutput, List<Aggregation> aggregations, StageFunctions functions) {
      StageSpec stage = new StageSpec(builder.name, builder.stage, keyField, timeField,
          watermarks.maxOutOfOrderness(), lateness, builder.maxKeyGroups, window, aggregations, lateOutput,
          watermarks.idleTimeout(), processingTime, functions);
      return builder.previous == null ? new Pipeline(List.of(stage)) : builder.previous.append(stage);
    }
  }

  /** A windowed keyed stream: optionally lateness and a late side output, then the window function. */
  public static final class WindowedStream {
    private final KeyedStream keyed;
    private final WindowAssigner assigner;
    private long allowedLateness;
    private String lateOutput;

    private WindowedStream(KeyedStream keyed, WindowAssigner assigner) {
      this.keyed = keyed;
      this.assigner = assigner;
    }

    /** A fired window keeps its state this long and re-fires with an updated result for late records. */
    public WindowedStream allowedLateness(Duration lateness) {
      this.allowedLateness = lateness.toMillis();
      return this;
    }

    /**
     * Records too late for every window go to the side output {@code name}, readable with
     * {@code GET /v1/pipelines/{p}/late}; without it they are only counted (Flink drops them).
     */
    public WindowedStream sideOutputLateData(String name) {
      this.lateOutput = name;
      return this;
    }

    /** Built-in aggregations per window. */
    public Pipeline aggregate(Aggregations aggregations) {
      return finish(aggregations.toList(), StageFunctions.of(keyed.keySelector, keyed.timestamps));
    }

    /** An incremental aggregate function per window; its accumulator type is read from its class. */
    public Pipeline aggregate(AggregateFunction<?, ?> function) {
      return aggregate(function, null);
    }

    /** An incremental aggregate function per window with the accumulator type given explicitly. */
    public Pipeline aggregate(AggregateFunction<?, ?> function, Type accumulatorType) {
      return finish(List.of(), StageFunctions.of(keyed.keySelector, keyed.timestamps)
          .withAggregate(function, accumulatorType));
    }

    /** Reduces the records of each window pairwise; the result values are the reduced record's fields. */
    public Pipeline reduce(ReduceFunction function) {
      return finish(List.of(), StageFunctions.of(keyed.keySelector, keyed.timestamps).withReduce(function));
    }

    /** Processes all records of a window when it fires. */
    public Pipeline process(ProcessWindowFunction<?> function) {
      return finish(List.of(), StageFunctions.of(keyed.keySelector, keyed.timestamps).withProcessWindow(function));
    }

    private Pipeline finish(List<Aggregation> aggregations, StageFunctions functions) {
      return keyed.finish(assigner.spec(), assigner.isProcessingTime(), allowedLateness, lateOutput, aggregations,
          functions);
    }
  }
}
