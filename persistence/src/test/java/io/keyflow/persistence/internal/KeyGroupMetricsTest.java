package io.keyflow.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.KeyflowMetrics;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.RecordingResultsSink;
import io.keyflow.persistence.TestParts;
import io.keyflow.persistence.entity.KeyGroupBehavior;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class KeyGroupMetricsTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config()
          .withFallback(ConfigFactory.parseString("pekko.actor.serialize-messages = on"))
          .withFallback(ConfigFactory.load()));

  private static final PipelineDefinition ORDERS = new PipelineDefinition("orders", "main", "user", "ts",
      2_000, 0, 128, WindowSpec.tumbling(Duration.ofSeconds(10)), List.of(Aggregation.count("n")));

  private static final PersistenceSettings SETTINGS =
      new PersistenceSettings(1000, 2, Duration.ofMinutes(5), Duration.ofMillis(50), 100, Duration.ofMillis(10),
          Duration.ofMillis(100), TestParts.WINDOW, TestParts.SKEW, TestParts.KEYLESS, TestParts.PRODUCERS);

  private final MeterRegistry registry = KeyflowMetrics.get(testKit.system()).registry();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private Search keyGroup(String name, int kg) {
    return registry.find(name).tags("pipeline", "orders", "stage", "main", "key_group", Integer.toString(kg));
  }

  private double keyGroupsHeld() {
    var gauge = registry.find("keyflow.key.groups").tags("pipeline", "orders", "stage", "main").gauge();
    return gauge == null ? 0 : gauge.value();
  }

  @Test
  void aKeyGroupReportsItsWritesWhileRunningAndNothingOnceStopped() {
    var entity = testKit.spawn(KeyGroupBehavior.create(ORDERS, 3, new RecordingResultsSink(), SETTINGS));
    var acks = testKit.<KeyGroupEntity.BatchAccepted>createTestProbe();
    entity.tell(new KeyGroupEntity.ProcessBatch(List.of(
        TestParts.ticketed("r#0", List.of(new Record("ann", 10_000, Map.of()), new Record("bob", 13_000, Map.of()))),
        TestParts.ticketed("r#1", List.of(new Record("ann", 11_000, Map.of())))), acks.getRef()));
    acks.receiveMessage(Duration.ofSeconds(5));
    entity.tell(new KeyGroupEntity.ProcessBatch(List.of(
        TestParts.ticketed("r#0", List.of(new Record("ann", 10_000, Map.of()), new Record("bob", 13_000, Map.of())))),
        acks.getRef()));
    acks.receiveMessage(Duration.ofSeconds(5));

    var writes = keyGroup("keyflow.journal.write.latency", 3).timer();
    assertThat(writes.count()).as("a duplicate batch writes nothing").isEqualTo(1);
    var batch = keyGroup("keyflow.journal.batch.records", 3).summary();
    assertThat(batch.count()).isEqualTo(1);
    assertThat(batch.totalAmount()).isEqualTo(3);
    // watermark = 13_000 - 2_000 - 1: epoch-near-zero event time lags the wall clock by decades
    double lag = keyGroup("keyflow.key.group.watermark.lag.seconds", 3).gauge().value();
    assertThat(lag).isBetween((System.currentTimeMillis() - 10_999 - 60_000) / 1000.0, (System.currentTimeMillis() - 10_999) / 1000.0 + 1);
    // In seconds since the epoch: the highest event time seen (13_000) and the watermark behind it by the bound.
    assertThat(keyGroup("keyflow.key.group.event.time.max", 3).gauge().value()).isEqualTo(13.0);
    assertThat(keyGroup("keyflow.key.group.watermark", 3).gauge().value()).isEqualTo(10.999);
    assertThat(keyGroup("keyflow.key.group.recovery.seconds", 3).gauge().value()).isGreaterThanOrEqualTo(0);
    assertThat(keyGroupsHeld()).isEqualTo(1);

    testKit.stop(entity);
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(keyGroup("keyflow.journal.write.latency", 3).meters()).isEmpty();
      assertThat(keyGroup("keyflow.key.group.watermark.lag.seconds", 3).meters()).isEmpty();
      assertThat(keyGroup("keyflow.key.group.event.time.max", 3).meters()).isEmpty();
      assertThat(keyGroupsHeld()).isZero();
    });
  }

  @Test
  void aKeyGroupWithoutEventTimeHasNoWatermarkLag() {
    var entity = testKit.spawn(KeyGroupBehavior.create(ORDERS, 4, new RecordingResultsSink(), SETTINGS));
    var awake = testKit.<KeyGroupEntity.Awake>createTestProbe();
    entity.tell(new KeyGroupEntity.Wake(awake.getRef()));
    awake.receiveMessage(Duration.ofSeconds(5));
    assertThat(keyGroup("keyflow.key.group.watermark.lag.seconds", 4).gauge().value()).isNaN();
    testKit.stop(entity);
  }
}
