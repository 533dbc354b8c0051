package io.keyflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.examples.CountWithTimeout;
import io.keyflow.examples.LetterWindows;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.testkit.PipelineTestHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cutting a random stream at random points into snapshot → restore → continue gives exactly the
 * outputs (values and sequence numbers) of an uninterrupted run: the state a snapshot keeps is all
 * the state there is, for every kind of stage.
 */
class DeterminismTest {

  /** One step of a stream: a request of events, an explicit watermark, or a processing-time advance. */
  private sealed interface Step {}

  private record Events(List<Map<String, Object>> events) implements Step {}

  private record Watermark(long watermark) implements Step {}

  private record ProcessingTime(long now) implements Step {}

  static List<Object[]> pipelines() {
    Supplier<Pipeline.KeyedStream> keyed = () -> Pipeline.named("d").maxKeyGroups(8).keyBy(e -> e.string("k"))
        .eventTime(e -> e.ts(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(300))
            .withIdleness(Duration.ofMillis(700)));
    return List.of(
        new Object[] {"tumbling built-in", keyed.get().window(TumblingEventTimeWindows.of(Duration.ofMillis(500)))
            .allowedLateness(Duration.ofMillis(200)).sideOutputLateData("late")
            .aggregate(Aggregations.count("n").sum("s", "v").min("lo", "v").max("hi", "v").avg("avg", "v"))},
        new Object[] {"sliding aggregate fn", keyed.get().window(SlidingEventTimeWindows.of(Duration.ofMillis(600), Duration.ofMillis(200)))
            .aggregate(new PipelineHarnessTest.Average())},
        new Object[] {"session reduce", keyed.get().window(EventTimeSessionWindows.withGap(Duration.ofMillis(150)))
            .allowedLateness(Duration.ofMillis(100))
            .reduce((a, b) -> new Record(a.key(), b.ts(), Map.of("v", a.longValue("v") + b.longValue("v"), "letter", "x")))},
        new Object[] {"session process window", keyed.get().window(EventTimeSessionWindows.withGap(Duration.ofMillis(150)))
            .process(new LetterWindows.CountLetters())},
        new Object[] {"processing-time tumbling", keyed.get().window(TumblingProcessingTimeWindows.of(Duration.ofMillis(400)))
            .aggregate(Aggregations.count("n"))},
        new Object[] {"keyed process, state and timers", Pipeline.named("d").maxKeyGroups(8).keyBy(e -> e.string("k"))
            .eventTime(e -> e.ts(), WatermarkStrategy.boundedOutOfOrderness(Duration.ofMillis(300)))
            .process(new PipelineHarnessTest.AllStates())},
        new Object[] {"count with timeout", CountWithTimeout.build("d")},
        new Object[] {"two stages: counts, then top per window", keyed.get()
            .window(TumblingEventTimeWindows.of(Duration.ofMillis(500))).aggregate(Aggregations.count("n").sum("s", "v"))
            .then("top").keyBy(e -> "k" + (e.longValue("s") % 3)).eventTime("ts", WatermarkStrategy.forMonotonousTimestamps()
                .withIdleness(Duration.ofMillis(500)))
            .window(SlidingEventTimeWindows.of(Duration.ofMillis(1_000), Duration.ofMillis(500)))
            .aggregate(Aggregations.count("windows").max("most", "n").sum("total", "s"))});
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pipelines")
  void snapshotRestoreAtRandomPointsGivesTheOutputsOfAnUninterruptedRun(String name, Pipeline pipeline) {
    for (int seed = 1; seed <= 40; seed++) {
      Random random = new Random(seed * 7919L + name.hashCode());
      List<Step> steps = stream(random);
      List<Output> uninterrupted = run(pipeline, steps, new TreeSet<>());
      TreeSet<Integer> cuts = new TreeSet<>();
      for (int i = 0, n = 1 + random.nextInt(6); i < n; i++) {
        cuts.add(random.nextInt(steps.size()));
      }
      assertThat(run(pipeline, steps, cuts)).as("seed %d, cuts %s", seed, cuts).isEqualTo(uninterrupted);
      assertThat(uninterrupted).as("seed %d produced outputs", seed).isNotEmpty();
    }
  }

  private static List<Output> run(Pipeline pipeline, List<Step> steps, TreeSet<Integer> cuts) {
    List<Output> outputs = new ArrayList<>();
    PipelineTestHarness h = PipelineTestHarness.of(pipeline);
    for (int i = 0; i < steps.size(); i++) {
      if (cuts.contains(i)) {
        outputs.addAll(h.outputs());
        h = PipelineTestHarness.restore(pipeline, h.snapshot());
      }
      Step step = steps.get(i);
      if (step instanceof Events e) {
        h.processElements(e.events());
      } else if (step instanceof Watermark w) {
        h.processWatermark(w.watermark());
      } else if (step instanceof ProcessingTime p) {
        h.setProcessingTime(p.now());
      }
    }
    outputs.addAll(h.outputs());
    return outputs;
  }

  private static List<Step> stream(Random random) {
    List<Step> steps = new ArrayList<>();
    long eventTime = 0;
    long processingTime = 0;
    for (int i = 0; i < 60; i++) {
      int kind = random.nextInt(10);
      if (kind < 7) {
        List<Map<String, Object>> events = new ArrayList<>();
        for (int j = 0, n = 1 + random.nextInt(8); j < n; j++) {
          eventTime += random.nextInt(120);
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("k", "k" + random.nextInt(6));
          e.put("user", e.get("k"));
          e.put("ts", Math.max(0, eventTime - random.nextInt(900))); // disorder, some beyond lateness
          e.put("v", (long) random.nextInt(100) - 20);
          e.put("tag", "t" + random.nextInt(3));
          e.put("letter", String.valueOf((char) ('a' + random.nextInt(26))));
          if (random.nextInt(10) == 0) {
            e.put("flush", true);
          }
          events.add(e);
        }
        steps.add(new Events(events));
      } else if (kind < 8) {
        steps.add(new Watermark(eventTime - random.nextInt(600)));
      } else {
        processingTime += 1 + random.nextInt(500);
        steps.add(new ProcessingTime(processingTime));
      }
    }
    steps.add(new Watermark(eventTime + 10_000_000));
    return steps;
  }
}
