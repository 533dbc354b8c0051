package io.keyflow.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The figures of one interval from the node's own meters, on the registry type the node uses. */
class FigureSamplerTest {

  private static final String INGEST = "/v1/pipelines/{pipeline}/events";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final Timer ack = Timer.builder("keyflow.ingest.ack.latency").publishPercentileHistogram()
      .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(100))
      .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
  private final AtomicInteger keyGroups = new AtomicInteger(40);

  private Counter answers(String status) {
    return Counter.builder("keyflow.http.requests").tags("route", INGEST, "status", status).register(registry);
  }

  private Counter events(String pipeline) {
    return Counter.builder("keyflow.ingest.events").tag("pipeline", pipeline).register(registry);
  }

  @Test
  void anIntervalReportsWhatChangedInItAsRatesAndItsOwnLatencies() {
    events("clicks").increment(5_000);
    answers("200").increment(10);
    for (int i = 0; i < 100; i++) {
      ack.record(Duration.ofSeconds(2)); // before the sampler: not in any interval
    }
    Gauge.builder("keyflow.key.groups", keyGroups, AtomicInteger::get).tags("pipeline", "clicks", "stage", "main")
        .register(registry);
    Timer journal = Timer.builder("keyflow.journal.write.latency").tags("pipeline", "clicks", "stage", "main", "key_group", "3")
        .register(registry);
    FigureSampler sampler = new FigureSampler(registry, clock::get);

    events("clicks").increment(1_500);
    events("orders").increment(500);
    answers("200").increment(20);
    answers("503").increment(4);
    answers("400").increment(1);
    Counter.builder("keyflow.ingest.rejected").tag("reason", "in-flight-events").register(registry).increment(4);
    for (int i = 0; i < 99; i++) {
      ack.record(Duration.ofMillis(5));
    }
    ack.record(Duration.ofMillis(900));
    journal.record(Duration.ofMillis(4));
    journal.record(Duration.ofMillis(8));
    clock.addAndGet(2_000);

    NodeFigures figures = sampler.sample();
    assertThat(figures.atMillis()).isEqualTo(1_002_000);
    assertThat(figures.ackedPerSecond()).isEqualTo(1_000.0);
    assertThat(figures.answersPerSecond()).containsEntry("200", 10.0).containsEntry("503", 2.0).containsEntry("400", 0.5);
    assertThat(figures.rejectedPerSecond()).isEqualTo(2.0);
    // 99 answers of 5 ms and one of 900 ms in this interval; the 2 s ones before it do not count.
    assertThat(figures.ackP50Ms()).isBetween(1.0, 10.0);
    assertThat(figures.ackP99Ms()).isBetween(1.0, 10.0);
    assertThat(figures.journalWriteMeanMs()).isCloseTo(6.0, within(0.01));
    assertThat(figures.keyGroups()).isEqualTo(40);
    assertThat(figures.recoveries()).isZero();
    assertThat(figures.slowestRecoverySeconds()).isNaN();

    // An idle interval: no rates, no latency, the key groups as they are now, and two that recovered.
    keyGroups.set(38);
    Gauge.builder("keyflow.key.group.recovery.seconds", () -> 1.5).tags("pipeline", "clicks", "stage", "main", "key_group", "5")
        .register(registry);
    Gauge.builder("keyflow.key.group.recovery.seconds", () -> 0.25).tags("pipeline", "clicks", "stage", "main", "key_group", "6")
        .register(registry);
    // This node's shard coordinator started moving 8 key groups (a rebalance after a join).
    Counter.builder("keyflow.key.groups.moved").tags("pipeline", "clicks", "stage", "main").register(registry).increment(8);
    clock.addAndGet(1_000);
    NodeFigures idle = sampler.sample();
    assertThat(idle.movesStarted()).isEqualTo(8);
    assertThat(idle.ackedPerSecond()).isZero();
    assertThat(idle.answersPerSecond()).isEmpty();
    assertThat(idle.ackP99Ms()).isNaN();
    assertThat(idle.journalWriteMeanMs()).isNaN();
    assertThat(idle.keyGroups()).isEqualTo(38);
    assertThat(idle.recoveries()).isEqualTo(2);
    assertThat(idle.slowestRecoverySeconds()).isEqualTo(1.5);

    // A slow interval: its p99 is its own (900 ms bucket region), not diluted by earlier ones.
    for (int i = 0; i < 10; i++) {
      ack.record(Duration.ofMillis(700));
    }
    clock.addAndGet(1_000);
    NodeFigures slow = sampler.sample();
    assertThat(slow.ackP50Ms()).isBetween(500.0, 800.0);
    assertThat(slow.ackP99Ms()).isBetween(500.0, 800.0);
    assertThat(slow.recoveries()).as("the same recoveries are not counted twice").isZero();
    assertThat(slow.movesStarted()).as("the same moves are not counted twice").isZero();
  }

  @Test
  void eachStageReportsItsEventTimeItsSlowestWatermarksAndTheIntervalsProcessingLag() {
    for (int kg = 0; kg < 7; kg++) {
      double watermark = 1_000 + kg;
      String keyGroup = Integer.toString(kg);
      Gauge.builder("keyflow.key.group.watermark", () -> watermark)
          .tags("pipeline", "clicks", "stage", "main", "key_group", keyGroup).register(registry);
      Gauge.builder("keyflow.key.group.event.time.max", () -> watermark + 30)
          .tags("pipeline", "clicks", "stage", "main", "key_group", keyGroup).register(registry);
    }
    // A key group that has seen no event time yet counts, but has no watermark to list.
    Gauge.builder("keyflow.key.group.watermark", () -> Double.NaN)
        .tags("pipeline", "clicks", "stage", "main", "key_group", "9").register(registry);
    Gauge.builder("keyflow.key.group.event.time.max", () -> Double.NaN)
        .tags("pipeline", "clicks", "stage", "main", "key_group", "9").register(registry);
    Timer written = io.keyflow.persistence.KeyflowMetrics.latency(registry, "keyflow.results.written.lag", "",
        io.micrometer.core.instrument.Tags.of("pipeline", "clicks", "stage", "main"));
    Timer applied = io.keyflow.persistence.KeyflowMetrics.latency(registry, "keyflow.ingest.applied.latency", "",
        io.micrometer.core.instrument.Tags.of("pipeline", "clicks", "stage", "main"));
    // Only the forwarding lag of another stage, which has no key group here: it has a row of its own.
    Timer forwarded = io.keyflow.persistence.KeyflowMetrics.latency(registry, "keyflow.stage.forwarded.lag", "",
        io.micrometer.core.instrument.Tags.of("pipeline", "orders", "stage", "totals"));
    written.record(Duration.ofSeconds(3)); // before the sampler: in no interval
    FigureSampler sampler = new FigureSampler(registry, clock::get);
    for (int i = 0; i < 100; i++) {
      written.record(Duration.ofMillis(40));
      applied.record(Duration.ofMillis(7));
    }
    forwarded.record(Duration.ofMillis(300));
    clock.addAndGet(1_000);

    var stages = sampler.sample().stages();
    assertThat(stages).extracting(StageFigures::pipeline, StageFigures::stage)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("clicks", "main"), org.assertj.core.groups.Tuple.tuple("orders", "totals"));
    StageFigures clicks = stages.get(0);
    assertThat(clicks.keyGroups()).isEqualTo(8);
    assertThat(clicks.maxEventTimeSeconds()).isEqualTo(1_036.0);
    assertThat(clicks.slowest()).extracting(StageFigures.Watermark::keyGroup).containsExactly(0, 1, 2, 3, 4);
    assertThat(clicks.writtenP99Ms()).isBetween(25.0, 50.0);
    assertThat(clicks.appliedP99Ms()).isBetween(5.0, 10.0);
    assertThat(clicks.forwardedP99Ms()).isNaN();
    assertThat(stages.get(1).keyGroups()).isZero();
    assertThat(stages.get(1).forwardedP99Ms()).isBetween(250.0, 500.0);

    clock.addAndGet(1_000);
    StageFigures idle = sampler.sample().stages().get(0);
    assertThat(idle.writtenP99Ms()).isNaN();
    assertThat(sampler.sample().stages()).hasSize(1);
  }
}
