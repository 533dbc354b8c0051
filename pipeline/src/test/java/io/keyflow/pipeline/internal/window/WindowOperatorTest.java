package io.keyflow.pipeline.internal.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WindowOperatorTest {

  private static PipelineDefinition pipeline(WindowSpec window, long outOfOrder, long lateness) {
    return new PipelineDefinition("p", "main", "key", "ts", outOfOrder, lateness, 128, window,
        List.of(Aggregation.count("n"), Aggregation.of("sum", Aggregation.Function.SUM, "v"),
            Aggregation.of("min", Aggregation.Function.MIN, "v"),
            Aggregation.of("max", Aggregation.Function.MAX, "v"),
            Aggregation.of("avg", Aggregation.Function.AVG, "v")));
  }

  private static Record rec(String key, long ts, Number v) {
    return new Record(key, ts, Map.of("v", v));
  }

  private static List<WindowResult> results(List<Output> outputs) {
    List<WindowResult> results = new ArrayList<>();
    outputs.forEach(o -> results.add(o.result()));
    return results;
  }

  @Test
  void tumblingWindowFiresWhenWatermarkReachesEndMinusOne() {
    var op = new WindowOperator(pipeline(WindowSpec.tumbling(Duration.ofSeconds(10)), 2000, 0));
    var state = new StageState();
    assertThat(op.processBatch(state, List.of(rec("a", 0, 1), rec("a", 9_999, 2), rec("a", 10_000, 4)))).isEmpty();
    // watermark = 11_999 - 2000 - 1 = 9_998: not yet
    assertThat(op.processBatch(state, List.of(rec("b", 11_999, 1)))).isEmpty();
    // watermark = 12_000 - 2001 = 9_999 = end - 1 of [0, 10000): fires
    List<Output> fired = op.processBatch(state, List.of(rec("b", 12_000, 1)));
    assertThat(results(fired)).containsExactly(new WindowResult("a", 0, 10_000,
        Map.of("n", 2L, "sum", 3L, "min", 1L, "max", 2L, "avg", 1.5)));
    assertThat(fired.get(0).seq()).isEqualTo(1);
    assertThat(state.watermark).isEqualTo(9_999);
  }

  @Test
  void recordsOfALateWindowAreDroppedAndCounted() {
    var op = new WindowOperator(pipeline(WindowSpec.tumbling(Duration.ofSeconds(10)), 0, 0));
    var state = new StageState();
    op.processBatch(state, List.of(rec("a", 5, 1), rec("a", 10_000, 1)));
    assertThat(state.watermark).isEqualTo(9_999);
    assertThat(op.processBatch(state, List.of(rec("a", 9_999, 1)))).isEmpty();
    assertThat(state.lateRecordsDropped).isEqualTo(1);
    assertThat(op.openWindows(state, "a")).extracting(WindowResult::windowStart).containsExactly(10_000L);
  }

  @Test
  void allowedLatenessRefiresWithTheUpdatedValueThenPurges() {
    var op = new WindowOperator(pipeline(WindowSpec.tumbling(Duration.ofSeconds(10)), 0, 5_000));
    var state = new StageState();
    assertThat(results(op.processBatch(state, List.of(rec("a", 1, 1), rec("a", 10_000, 1)))))
        .extracting(r -> r.values().get("n")).containsExactly(1L);
    assertThat(results(op.processBatch(state, List.of(rec("a", 2, 5)))))
        .containsExactly(new WindowResult("a", 0, 10_000, Map.of("n", 2L, "sum", 6L, "min", 1L, "max", 5L, "avg", 3.0)));
    // watermark 14_999 = end - 1 + lateness: the window is purged, later records are dropped
    op.processBatch(state, List.of(rec("a", 15_000, 1)));
    assertThat(op.processBatch(state, List.of(rec("a", 3, 1)))).isEmpty();
    assertThat(state.lateRecordsDropped).isEqualTo(1);
  }

  @Test
  void slidingWindowAssignsEachRecordToSizeOverSlideWindows() {
    var op = new WindowOperator(pipeline(WindowSpec.sliding(Duration.ofSeconds(10), Duration.ofSeconds(5)), 0, 0));
    var state = new StageState();
    op.processBatch(state, List.of(rec("a", 7_000, 2)));
    assertThat(op.openWindows(state, "a")).extracting(WindowResult::windowStart).containsExactly(0L, 5_000L);
    List<WindowResult> fired = results(op.advanceWatermark(state, 20_000));
    assertThat(fired).extracting(WindowResult::windowStart, WindowResult::windowEnd)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(0L, 10_000L), org.assertj.core.groups.Tuple.tuple(5_000L, 15_000L));
  }

  @Test
  void sessionsMergeWhenTheyTouchAndEndAtLastTimestampPlusGap() {
    var op = new WindowOperator(pipeline(WindowSpec.session(Duration.ofSeconds(5)), 0, 0));
    var state = new StageState();
    List<Output> outputs = new ArrayList<>(
        op.processBatch(state, List.of(rec("a", 1_000, 1), rec("a", 20_000, 1), rec("a", 6_000, 1))));
    // [1000,6000) and [6000,11000) touch and merge; the watermark 19_999 closes the merged session
    outputs.addAll(op.advanceWatermark(state, 30_000));
    List<WindowResult> fired = results(outputs);
    assertThat(fired).extracting(WindowResult::windowStart, WindowResult::windowEnd, r -> r.values().get("n"))
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1_000L, 11_000L, 2L),
            org.assertj.core.groups.Tuple.tuple(20_000L, 25_000L, 1L));
  }

  @Test
  void doubleInputsSwitchSumToDoubleAndMinMaxKeepTheirType() {
    var op = new WindowOperator(pipeline(WindowSpec.tumbling(Duration.ofSeconds(1)), 0, 0));
    var state = new StageState();
    op.processBatch(state, List.of(rec("a", 1, 2), rec("a", 2, 0.5)));
    WindowResult r = results(op.advanceWatermark(state, 999)).get(0);
    assertThat(r.values()).containsEntry("sum", 2.5).containsEntry("min", 0.5).containsEntry("max", 2L);
  }

  @Test
  void explicitWatermarkNeverMovesBack() {
    var op = new WindowOperator(pipeline(WindowSpec.tumbling(Duration.ofSeconds(1)), 0, 0));
    var state = new StageState();
    op.advanceWatermark(state, 5_000);
    op.advanceWatermark(state, 1_000);
    assertThat(state.watermark).isEqualTo(5_000);
    op.processBatch(state, List.of(rec("a", 100, 1)));
    assertThat(state.lateRecordsDropped).isEqualTo(1);
    assertThat(state.watermark).isEqualTo(5_000);
  }

  @Test
  void replayingTheSameBatchesGivesTheSameOutputs() {
    var op = new WindowOperator(pipeline(WindowSpec.sliding(Duration.ofSeconds(4), Duration.ofSeconds(1)), 500, 1_000));
    java.util.Random random = new java.util.Random(11);
    List<List<Record>> batches = new ArrayList<>();
    for (int b = 0; b < 50; b++) {
      List<Record> batch = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        batch.add(rec("k" + random.nextInt(7), b * 300L + random.nextInt(2_000), random.nextInt(100)));
      }
      batches.add(batch);
    }
    List<Output> first = new ArrayList<>();
    List<Output> second = new ArrayList<>();
    StageState s1 = new StageState();
    StageState s2 = new StageState();
    batches.forEach(b -> first.addAll(op.processBatch(s1, b)));
    batches.forEach(b -> second.addAll(op.processBatch(s2, b)));
    assertThat(second).isEqualTo(first).isNotEmpty();
    assertThat(s2.lateRecordsDropped).isEqualTo(s1.lateRecordsDropped);
  }

  @Test
  void recordsTooLateForEveryWindowGoToTheLateSideOutputWhenOneIsNamed() {
    var base = pipeline(WindowSpec.tumbling(Duration.ofSeconds(10)), 0, 0);
    var withLate = new PipelineDefinition("p", "main", "key", "ts", 0, 0, 128, base.window(), base.aggregations(),
        "late-p", 0);
    var op = new WindowOperator(withLate);
    var state = new StageState();
    op.processBatch(state, List.of(rec("a", 15_000, 1)));
    Record late = rec("a", 3_000, 7);
    List<Output> outputs = op.processBatch(state, List.of(late, rec("a", 16_000, 1)));
    assertThat(outputs).filteredOn(Output::holdsLateRecord).extracting(Output::late).containsExactly(late);
    assertThat(state.lateRecordsDropped).isEqualTo(1);
  }

  @Test
  void anIdleKeyGroupAdvancesItsWatermarkByElapsedProcessingTimeOnly() {
    var base = pipeline(WindowSpec.tumbling(Duration.ofSeconds(10)), 2_000, 0);
    var idle = new PipelineDefinition("p", "main", "key", "ts", 2_000, 0, 128, base.window(), base.aggregations(),
        null, 5_000);
    var op = new WindowOperator(idle);
    var state = new StageState();
    long wall = 1_767_225_600_000L;
    op.processBatch(state, List.of(rec("a", 1_000, 1), rec("a", 4_000, 1)), wall);
    assertThat(state.watermark).isEqualTo(1_999);
    assertThat(op.advanceProcessingTime(state, wall + 4_999)).as("not idle yet").isEmpty();
    assertThat(state.watermark).isEqualTo(1_999);
    assertThat(op.advanceProcessingTime(state, wall + 9_000)).isEmpty();
    assertThat(state.watermark).as("4 s of idleness").isEqualTo(5_999);
    List<Output> fired = op.advanceProcessingTime(state, wall + 13_000);
    assertThat(state.watermark).isEqualTo(9_999);
    assertThat(fired).extracting(o -> o.result().windowStart()).containsExactly(0L);
    op.processBatch(state, List.of(rec("a", 12_000, 1)), wall + 14_000);
    assertThat(op.idleAdvanceDue(state, wall + 18_000)).as("input resets the idleness clock").isFalse();
    assertThat(op.idleAdvanceDue(state, wall + 19_001)).isTrue();
  }

  @Test
  void processingTimeWindowsAssignByTheBatchTimeAndFireWhenTheClockPassesTheirEnd() {
    var base = pipeline(WindowSpec.tumbling(Duration.ofSeconds(10)), 0, 0);
    var pt = new PipelineDefinition("p", "main", "key", "ts", 0, 0, 128, base.window(), base.aggregations(),
        null, 0, true);
    var op = new WindowOperator(pt);
    var state = new StageState();
    long t0 = 1_767_225_600_000L; // a window start
    // Event timestamps are ignored: both records belong to the window of their batch's processing time.
    assertThat(op.processBatch(state, List.of(rec("a", 5, 1), rec("a", 99_999_999, 2)), t0 + 1_000)).isEmpty();
    assertThat(op.processingTimeDue(state, t0 + 9_998)).isFalse();
    assertThat(op.processingTimeDue(state, t0 + 9_999)).isTrue();
    List<Output> fired = op.advanceProcessingTime(state, t0 + 9_999);
    assertThat(fired).extracting(o -> o.result().windowStart(), o -> o.result().values().get("sum"))
        .containsExactly(org.assertj.core.groups.Tuple.tuple(t0, 3L));
    // A batch stamped earlier than the clock (another node's clock after a failover) is never late.
    op.processBatch(state, List.of(rec("b", 0, 4)), t0 + 5_000);
    assertThat(state.lateRecordsDropped).isZero();
    assertThat(op.openWindows(state, "b")).extracting(WindowResult::windowStart).containsExactly(t0 + 10_000);
  }
}
