package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.AggregateFunction;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Collector;
import io.keyflow.pipeline.OutputTag;
import io.keyflow.pipeline.ProcessWindowFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.StageState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowContentsTest {

  private static final List<Aggregation> COUNT_AND_SUM =
      List.of(Aggregation.count("n"), Aggregation.of("sum", Aggregation.Function.SUM, "v"));

  private static Record rec(long v) {
    return new Record("a", 1, Map.of("v", v));
  }

  private static WindowState window(WindowContents contents, int accumulators) {
    WindowState w = new WindowState(0, 10, accumulators);
    contents.init(w);
    return w;
  }

  /** A new window holding records with the values {@code vs}, added in order. */
  private static WindowState holding(WindowContents contents, StageState state, int accumulators, long... vs) {
    WindowState w = window(contents, accumulators);
    for (long v : vs) {
      contents.add(state, w, rec(v));
    }
    return w;
  }

  /** A new window with the contents of {@code windows} merged into it in order, as sessions merge. */
  private static WindowState merged(WindowContents contents, StageState state, int accumulators,
      WindowState... windows) {
    WindowState merged = window(contents, accumulators);
    for (WindowState w : windows) {
      contents.merge(state, merged, w);
    }
    return merged;
  }

  /** Sums {@code v}; throws on a negative one. */
  static final class Sum implements AggregateFunction<Long, Long> {
    @Override
    public Long createAccumulator() {
      return 0L;
    }

    @Override
    public Long add(Record value, Long accumulator) {
      long v = value.field("v").longValue();
      if (v < 0) {
        throw new IllegalArgumentException("negative");
      }
      return accumulator + v;
    }

    @Override
    public Long getResult(Long accumulator) {
      return accumulator;
    }

    @Override
    public Long merge(Long a, Long b) {
      return a + b;
    }
  }

  @Test
  void builtInAggregationsAddMergeAndReportInPipelineOrder() {
    var contents = new BuiltInAggregationContents(COUNT_AND_SUM);
    var state = new StageState();
    WindowState merged = merged(contents, state, 2, holding(contents, state, 2, 1, 3), holding(contents, state, 2, 5));
    assertThat(contents.values(merged)).containsExactly(Map.entry("n", 3L), Map.entry("sum", 9L));
  }

  @Test
  void aWindowStoredBeforeAnAggregationWasAppendedGetsAnEmptyAccumulatorForIt() {
    var contents = new BuiltInAggregationContents(COUNT_AND_SUM);
    WindowState stored = new WindowState(0, 10, 1);
    stored.accumulators.get(0).add(null);
    assertThat(contents.values(stored)).containsEntry("n", 1L).containsEntry("sum", 0L);
    assertThat(stored.accumulators).hasSize(2);
  }

  @Test
  void aggregateFunctionKeepsTheEncodedAccumulatorAndMergesSessions() {
    var contents = new AggregateFunctionContents(new Sum(), Long.class);
    var state = new StageState();
    WindowState first = window(contents, 0);
    WindowState second = window(contents, 0);
    assertThat(contents.values(first)).as("an empty window shows the new accumulator").containsEntry("value", 0L);
    contents.add(state, first, rec(2));
    contents.add(state, second, rec(5));
    assertThat(first.acc).isEqualTo(2L);
    WindowState merged = window(contents, 0);
    contents.merge(state, merged, first);
    assertThat(merged.acc).as("the first merged window's accumulator is taken as is").isEqualTo(2L);
    contents.merge(state, merged, second);
    assertThat(contents.values(merged)).containsExactly(Map.entry("value", 7L));
  }

  @Test
  void anAggregateFunctionThatThrowsSkipsTheRecordAndCountsTheError() {
    var contents = new AggregateFunctionContents(new Sum(), Long.class);
    var state = new StageState();
    WindowState w = window(contents, 0);
    contents.add(state, w, rec(4));
    assertThat(contents.add(state, w, rec(-1))).isFalse();
    assertThat(w.acc).isEqualTo(4L);
    assertThat(state.functionErrors).isEqualTo(1);
    assertThat(state.lastFunctionError).startsWith("aggregate: IllegalArgumentException");
  }

  @Test
  void reduceKeepsTheFirstRecordAndReducesTheRestInArrivalOrder() {
    List<String> keysSeen = new ArrayList<>();
    var contents = new ReduceFunctionContents((a, b) -> {
      keysSeen.add(a.key());
      return new Record(a.key(), b.ts(), Map.of("v", a.field("v").longValue() * 10 + b.field("v").longValue()));
    });
    var state = new StageState();
    assertThat(contents.values(window(contents, 0))).isEmpty();
    WindowState first = holding(contents, state, 0, 1);
    assertThat(keysSeen).as("a single record is not reduced").isEmpty();
    contents.add(state, first, rec(2));
    WindowState merged = merged(contents, state, 0, first, holding(contents, state, 0, 3));
    assertThat(contents.values(merged)).containsExactly(Map.entry("v", 123L));
    assertThat(keysSeen).containsExactly("a", "");
  }

  @Test
  void builtInFiringNumbersOneResultOnTheStageState() {
    var contents = new BuiltInAggregationContents(COUNT_AND_SUM);
    var state = new StageState();
    state.outputSeq = 4;
    WindowState w = window(contents, 2);
    contents.add(state, w, rec(6));
    List<Output> outputs = new ArrayList<>();
    contents.fire(state, "a", w, outputs);
    assertThat(outputs).containsExactly(new Output(5, new WindowResult("a", 0, 10, Map.of("n", 1L, "sum", 6L))));
  }

  /** Emits the number of records and their sum to a side output. */
  static final class CountAndSideSum extends ProcessWindowFunction<Long> {
    @Override
    public void process(String key, Context context, Iterable<Record> elements, Collector<Long> out) {
      long count = 0;
      long sum = 0;
      for (Record r : elements) {
        count++;
        sum += r.field("v").longValue();
      }
      out.collect(count);
      context.output(new OutputTag<Long>("sums"), sum + context.window().start());
    }
  }

  @Test
  void processWindowKeepsEveryRecordAndGivesThemAllToTheFunctionWhenItFires() {
    var contents = new ProcessWindowContents(new CountAndSideSum());
    var state = new StageState();
    WindowState merged = merged(contents, state, 0, holding(contents, state, 0, 1), holding(contents, state, 0, 2, 4));
    assertThat(merged.elements).extracting(r -> r.field("v")).containsExactly(1L, 2L, 4L);
    assertThat(contents.values(merged)).containsExactly(Map.entry("elements", 3L));
    List<Output> outputs = new ArrayList<>();
    contents.fire(state, "a", merged, outputs);
    assertThat(outputs).containsExactly(
        new Output(1, new WindowResult("a", 0, 10, Map.of("value", 3L))),
        new Output(2, new WindowResult("a", 0, 10, Map.of("value", 7L)), null, "sums"));
  }
}
