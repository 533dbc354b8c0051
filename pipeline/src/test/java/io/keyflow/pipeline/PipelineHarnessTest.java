package io.keyflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.examples.CountWithTimeout;
import io.keyflow.examples.LetterWindows;
import io.keyflow.pipeline.testkit.PipelineTestHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineHarnessTest {

  private static Map<String, Object> ev(String key, long ts, Object... more) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("key", key);
    m.put("ts", ts);
    for (int i = 0; i < more.length; i += 2) {
      m.put((String) more[i], more[i + 1]);
    }
    return m;
  }

  // --- the two samples -------------------------------------------------------------------------

  @Test
  void letterSampleCountsPerFirstCharacterInFiveSecondWindows() {
    var h = PipelineTestHarness.of(LetterWindows.build("letters"));
    h.processElements(List.of(
        Map.of("letter", "apple", "ts", 1_000L), Map.of("letter", "avocado", "ts", 4_999L),
        Map.of("letter", "banana", "ts", 2_000L), Map.of("letter", "apricot", "ts", 5_000L)));
    assertThat(h.results()).isEmpty();
    h.processWatermark(4_999);
    assertThat(h.latestResults()).containsExactly(
        new WindowResult("a", 0, 5_000, Map.of("initial", "a", "count", 2L, "letters", "apple,avocado", "windowEnd", 5_000L)),
        new WindowResult("b", 0, 5_000, Map.of("initial", "b", "count", 1L, "letters", "banana", "windowEnd", 5_000L)));
    h.processWatermark(9_999);
    assertThat(h.results()).hasSize(3).last()
        .isEqualTo(new WindowResult("a", 5_000, 10_000, Map.of("initial", "a", "count", 1L, "letters", "apricot", "windowEnd", 10_000L)));
  }

  @Test
  void countWithTimeoutSampleEmitsWhenAUserWentQuietAndClearsItsState() {
    var h = PipelineTestHarness.of(CountWithTimeout.build("quiet"));
    h.processElements(List.of(Map.of("user", "ann", "ts", 1_000L), Map.of("user", "ann", "ts", 3_000L),
        Map.of("user", "bob", "ts", 2_000L)));
    assertThat(h.state("ann").state()).containsEntry("count", Map.of("count", 2L, "lastModified", 3_000L));
    h.processWatermark(12_999); // bob's timer at 12_000 fires, ann's (13_000) not yet
    assertThat(h.results()).containsExactly(
        new WindowResult("bob", 12_000, 12_000, Map.of("user", "bob", "count", 1L, "lastModified", 2_000L)));
    h.processWatermark(13_000);
    assertThat(h.results()).last()
        .isEqualTo(new WindowResult("ann", 13_000, 13_000, Map.of("user", "ann", "count", 2L, "lastModified", 3_000L)));
    assertThat(h.state("ann").state()).isEmpty();
  }

  @Test
  void countWithTimeoutReportsBusyUsersToTheSideOutput() {
    var h = PipelineTestHarness.of(CountWithTimeout.build("quiet"));
    List<Map<String, Object>> events = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      events.add(Map.of("user", "cy", "ts", 1_000L + i));
    }
    h.processElements(events);
    assertThat(h.sideOutput("busy")).extracting(r -> r.values().get("value")).containsExactly("cy");
    assertThat(h.results()).isEmpty();
  }

  // --- keyed state and timers ------------------------------------------------------------------

  /** Exercises every state type: value (sum), list (recent values, TTL 5 s), map (count per tag). */
  static final class AllStates extends KeyedProcessFunction<Map<String, Object>> {
    private static final long serialVersionUID = 1L;
    private transient ValueState<Long> sum;
    private transient ListState<Long> recent;
    private transient MapState<String, Long> perTag;

    @Override
    public void open(RuntimeContext context) {
      sum = context.getState(new ValueStateDescriptor<>("sum", Long.class));
      var recentDescriptor = new ListStateDescriptor<>("recent", Long.class);
      recentDescriptor.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofSeconds(5)).build());
      recent = context.getListState(recentDescriptor);
      perTag = context.getMapState(new MapStateDescriptor<>("perTag", String.class, Long.class));
    }

    @Override
    public void processElement(Record value, Context ctx, Collector<Map<String, Object>> out) {
      long v = value.longValue("v");
      sum.update((sum.value() == null ? 0 : sum.value()) + v);
      recent.add(v);
      String tag = value.string("tag");
      perTag.put(tag, (perTag.get(tag) == null ? 0 : perTag.get(tag)) + 1);
      if (value.has("flush")) {
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 1_000);
      }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Map<String, Object>> out) {
      List<Long> items = new ArrayList<>();
      recent.get().forEach(items::add);
      Map<String, Object> snapshot = new java.util.LinkedHashMap<>();
      snapshot.put("sum", sum.value());
      snapshot.put("recent", items);
      snapshot.put("tags", perTag.keys());
      snapshot.put("domain", ctx.timeDomain().name());
      out.collect(snapshot);
      perTag.clear();
    }
  }

  private static Pipeline allStates() {
    return Pipeline.named("states").keyBy("key").process(new AllStates());
  }

  @Test
  void valueListAndMapStateAreKeptPerKeyAndListTtlExpiresOldElements() {
    var h = PipelineTestHarness.of(allStates());
    h.setProcessingTime(10_000);
    h.processElements(List.of(ev("a", 1, "v", 2L, "tag", "x"), ev("a", 2, "v", 3L, "tag", "y"), ev("b", 1, "v", 7L, "tag", "x")));
    h.setProcessingTime(13_000);
    h.processElement(ev("a", 3, "v", 4L, "tag", "x"));
    assertThat(h.state("a").state()).containsEntry("sum", 9L).containsEntry("recent", List.of(2L, 3L, 4L))
        .containsEntry("perTag", Map.of("x", 2L, "y", 1L));
    assertThat(h.state("b").state()).containsEntry("sum", 7L);
    h.setProcessingTime(15_000); // elements added at 10_000 expire at 15_000
    h.processElement(ev("a", 4, "v", 1L, "tag", "z", "flush", true));
    assertThat(h.results()).isEmpty();
    h.setProcessingTime(16_000);
    assertThat(h.results()).singleElement().satisfies(r -> {
      assertThat(r.key()).isEqualTo("a");
      assertThat(r.windowStart()).isEqualTo(16_000);
      assertThat(r.values()).containsEntry("sum", 10L).containsEntry("recent", List.of(4L, 1L))
          .containsEntry("tags", List.of("x", "y", "z")).containsEntry("domain", "PROCESSING_TIME");
    });
    assertThat(h.state("a").state()).doesNotContainKey("perTag");
  }

  /** Registers an event-time timer per record and deletes it again when told to. */
  static final class Timers extends KeyedProcessFunction<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(Record value, Context ctx, Collector<String> out) {
      long at = value.longValue("at");
      if (value.has("cancel")) {
        ctx.timerService().deleteEventTimeTimer(at);
      } else {
        ctx.timerService().registerEventTimeTimer(at);
        ctx.timerService().registerEventTimeTimer(at); // one timer per (key, time)
      }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) {
      out.collect(ctx.getCurrentKey() + "@" + timestamp + " wm=" + ctx.timerService().currentWatermark());
      if (timestamp == 100) {
        ctx.timerService().registerEventTimeTimer(50); // already passed: fires in the same advance
      }
    }
  }

  @Test
  void eventTimeTimersFireInTimeThenKeyOrderOncePerKeyAndTimeAndCanBeDeleted() {
    var h = PipelineTestHarness.of(Pipeline.named("t").maxKeyGroups(1).keyBy("key").process(new Timers()));
    h.processElements(List.of(ev("b", 0, "at", 100L), ev("a", 0, "at", 100L), ev("a", 0, "at", 300L),
        ev("c", 0, "at", 200L), ev("c", 0, "at", 200L, "cancel", true)));
    h.processWatermark(250);
    assertThat(h.results()).extracting(r -> r.values().get("value"))
        .containsExactly("a@100 wm=250", "a@50 wm=250", "b@100 wm=250", "b@50 wm=250");
    h.processWatermark(300);
    assertThat(h.results()).extracting(r -> r.values().get("value")).last().isEqualTo("a@300 wm=300");
  }

  @Test
  void aFunctionThatThrowsSkipsTheRecordAndIsCountedInsteadOfStoppingTheKeyGroup() {
    var h = PipelineTestHarness.of(Pipeline.named("t").maxKeyGroups(4).keyBy("key").process(new AllStates()));
    h.processElements(List.of(ev("a", 1, "v", 1L), ev("a", 2, "v", 5L, "tag", "x")));
    assertThat(h.functionErrors()).hasSize(1).allSatisfy((g, msg) -> assertThat(msg).contains("missing field 'tag'"));
    assertThat(h.state("a").state()).containsEntry("sum", 6L);
  }

  // --- window functions ------------------------------------------------------------------------

  /** Average of v as an accumulator record. */
  public record SumCount(long sum, long count) {}

  static final class Average implements AggregateFunction<SumCount, Double> {
    private static final long serialVersionUID = 1L;

    @Override
    public SumCount createAccumulator() {
      return new SumCount(0, 0);
    }

    @Override
    public SumCount add(Record value, SumCount acc) {
      return new SumCount(acc.sum() + value.longValue("v"), acc.count() + 1);
    }

    @Override
    public Double getResult(SumCount acc) {
      return acc.count() == 0 ? null : (double) acc.sum() / acc.count();
    }

    @Override
    public SumCount merge(SumCount a, SumCount b) {
      return new SumCount(a.sum() + b.sum(), a.count() + b.count());
    }
  }

  @Test
  void aggregateFunctionMergesAccumulatorsWhenSessionsMerge() {
    var h = PipelineTestHarness.of(Pipeline.named("s").keyBy("key")
        .eventTime("ts", WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(1)))
        .window(EventTimeSessionWindows.withGap(Duration.ofMillis(100))).aggregate(new Average()));
    h.processElements(List.of(ev("a", 0, "v", 1L), ev("a", 300, "v", 5L), ev("a", 150, "v", 3L)));
    assertThat(h.state("a").openWindows()).extracting(WindowResult::windowStart).containsExactly(0L, 150L, 300L);
    h.processElement(ev("a", 220, "v", 7L)); // [220,320) overlaps [150,250) and touches [300,400)
    assertThat(h.state("a").openWindows()).containsExactly(new WindowResult("a", 0, 100, Map.of("value", 1.0)),
        new WindowResult("a", 150, 400, Map.of("value", 5.0)));
    h.processWatermark(399);
    assertThat(h.results()).containsExactly(new WindowResult("a", 0, 100, Map.of("value", 1.0)),
        new WindowResult("a", 150, 400, Map.of("value", 5.0)));
  }

  @Test
  void reduceKeepsTheReducedRecordsFieldsAsTheResult() {
    var h = PipelineTestHarness.of(Pipeline.named("r").keyBy("key")
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(1)))
        .reduce((a, b) -> new Record(a.key(), b.ts(), Map.of("max", Math.max(a.longValue("max"), b.longValue("max")),
            "n", a.longValue("n") + b.longValue("n")))));
    h.processElements(List.of(ev("a", 1, "max", 3L, "n", 1L), ev("a", 2, "max", 9L, "n", 1L), ev("a", 3, "max", 4L, "n", 1L)));
    h.processWatermark(999);
    assertThat(h.results()).containsExactly(new WindowResult("a", 0, 1_000, Map.of("max", 9L, "n", 3L)));
  }

  @Test
  void processWindowFunctionRefiresWithTheLateRecordAndTooLateRecordsGoToTheSideOutput() {
    var h = PipelineTestHarness.of(Pipeline.named("p").keyBy("key")
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(1)))
        .allowedLateness(Duration.ofMillis(500))
        .sideOutputLateData("late")
        .process(new LetterWindows.CountLetters()));
    h.processElements(List.of(ev("a", 10, "letter", "x"), ev("a", 1_000, "letter", "y")));
    assertThat(h.results()).extracting(r -> r.values().get("letters")).containsExactly("x");
    h.processElement(ev("a", 20, "letter", "z")); // within lateness: re-fire with both
    assertThat(h.results()).extracting(r -> r.values().get("letters")).containsExactly("x", "x,z");
    h.processElement(ev("a", 1_600, "letter", "w")); // watermark 1_599 >= 999 + 500: window purged
    h.processElement(ev("a", 30, "letter", "v"));
    assertThat(h.lateRecords()).singleElement().satisfies(r -> assertThat(r.string("letter")).isEqualTo("v"));
  }

  @Test
  void processingTimeTumblingWindowsFireAsProcessingTimeAdvances() {
    var h = PipelineTestHarness.of(Pipeline.named("pt").keyBy("key")
        .window(TumblingProcessingTimeWindows.of(Duration.ofSeconds(1))).aggregate(Aggregations.count("n")));
    h.setProcessingTime(1_200);
    h.processElements(List.of(ev("a", 0), ev("a", 99_999)));
    h.setProcessingTime(1_900);
    h.processElement(ev("a", 5));
    assertThat(h.results()).isEmpty();
    h.setProcessingTime(2_000);
    assertThat(h.results()).containsExactly(new WindowResult("a", 1_000, 2_000, Map.of("n", 3L)));
  }

  @Test
  void slidingWindowsTakeOutOfOrderRecordsIntoEveryWindowTheyFallIn() {
    var h = PipelineTestHarness.of(Pipeline.named("sl").keyBy("key")
        .eventTime("ts", WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(500)))
        .window(SlidingEventTimeWindows.of(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .aggregate(Aggregations.count("n").sum("s", "v")));
    h.processElements(List.of(ev("a", 1_500, "v", 1L), ev("a", 900, "v", 2L), ev("a", 2_400, "v", 4L)));
    h.processElement(ev("a", 1_999, "v", 8L)); // behind the max, within the bound
    h.processWatermark(2_999);
    assertThat(h.results()).containsExactly(
        new WindowResult("a", -1_000, 1_000, Map.of("n", 1L, "s", 2L)),
        new WindowResult("a", 0, 2_000, Map.of("n", 3L, "s", 11L)),
        new WindowResult("a", 1_000, 3_000, Map.of("n", 3L, "s", 13L)));
  }

  @Test
  void processingTimeSessionsCloseAfterTheGapOfProcessingTime() {
    var h = PipelineTestHarness.of(Pipeline.named("ps").keyBy("key")
        .window(ProcessingTimeSessionWindows.withGap(Duration.ofSeconds(1))).aggregate(Aggregations.count("n")));
    h.setProcessingTime(10_000);
    h.processElement(ev("a", 1));
    h.setProcessingTime(10_800);
    h.processElement(ev("a", 999_999)); // event time plays no part
    h.setProcessingTime(11_700);
    assertThat(h.results()).isEmpty();
    // A record is stamped just after the clock the key group already reached (10_000 → 10_001,
    // 10_800 → 10_801), so it never lands in a window that fired: one session [10_001, 11_801).
    h.setProcessingTime(11_800);
    assertThat(h.results()).containsExactly(new WindowResult("a", 10_001, 11_801, Map.of("n", 2L)));
  }

  @Test
  void anIdleKeyGroupAdvancesItsWatermarkByElapsedProcessingTime() {
    var h = PipelineTestHarness.of(Pipeline.named("idle").keyBy("key")
        .eventTime("ts", WatermarkStrategy.forMonotonousTimestamps().withIdleness(Duration.ofSeconds(2)))
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10))).aggregate(Aggregations.count("n")));
    h.setProcessingTime(100_000);
    h.processElement(ev("a", 4_000));
    h.setProcessingTime(102_000);
    assertThat(h.watermarkOf("a")).isEqualTo(3_999);
    h.setProcessingTime(108_000); // idle since 102_000: +6_000
    assertThat(h.watermarkOf("a")).isEqualTo(9_999);
    assertThat(h.results()).containsExactly(new WindowResult("a", 0, 10_000, Map.of("n", 1L)));
  }

  // --- errors at pipeline start ----------------------------------------------------------------

  /** Keeps a type the codec cannot restore. */
  static final class BadState extends KeyedProcessFunction<String> {
    private static final long serialVersionUID = 1L;

    @Override
    public void open(RuntimeContext context) {
      context.getState(new ValueStateDescriptor<>("runnable", Runnable.class));
    }

    @Override
    public void processElement(Record value, Context ctx, Collector<String> out) {}
  }

  @Test
  void aStateTypeTheCodecCannotKeepIsRefusedAtStartNamingTheState() {
    assertThatThrownBy(() -> PipelineTestHarness.of(Pipeline.named("bad").keyBy("key").process(new BadState())))
        .hasMessageContaining("value state 'runnable'").hasMessageContaining("Runnable");
  }

  /** Not serializable: holds a thread. */
  static final class Unserializable extends KeyedProcessFunction<String> {
    private static final long serialVersionUID = 1L;
    private final Object lock = new Thread();

    @Override
    public void processElement(Record value, Context ctx, Collector<String> out) {}
  }

  @Test
  void aFunctionThatCannotBeCopiedPerKeyGroupIsRefusedAtStart() {
    assertThatThrownBy(() -> PipelineTestHarness.of(Pipeline.named("bad").keyBy("key").process(new Unserializable())))
        .hasMessageContaining("Serializable").hasMessageContaining("Unserializable");
  }

  @Test
  void anEventWithoutItsKeyRejectsTheWholeRequestAndAppliesNothing() {
    var h = PipelineTestHarness.of(allStates());
    assertThatThrownBy(() -> h.processElements(List.of(ev("a", 1, "v", 1L, "tag", "x"), Map.of("ts", 2L))))
        .hasMessageContaining("event 2").hasMessageContaining("missing key field 'key'");
    assertThat(h.state("a").state()).isEmpty();
  }
}
