package io.keyflow.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.entity.KeyGroupBehavior;
import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A stage forwards its results in output order and retries; the next stage drops re-deliveries by high-water mark. */
class StageForwardingTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config()
          .withFallback(ConfigFactory.parseString("pekko.actor.serialize-messages = on"))
          .withFallback(ConfigFactory.load()));

  private static final PersistenceSettings SETTINGS =
      new PersistenceSettings(1000, 2, Duration.ofMinutes(5), Duration.ofMillis(50), 100, Duration.ofMillis(10), Duration.ofMillis(100), TestParts.WINDOW, TestParts.SKEW, TestParts.KEYLESS, TestParts.PRODUCERS);

  private static final PipelineDefinition ITEMS = PipelineDefinition.of(Pipeline.named("items").maxKeyGroups(4).keyBy("item")
      .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10))).aggregate(Aggregations.count("n"))
      .then("top").keyBy(e -> "all").window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
      .aggregate(Aggregations.none().max("most", "n").sum("total", "n")));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** Records every call; fails the first {@code failures} calls. */
  private static final class RecordingForwarder implements StageForwarder {
    final List<Map<Integer, List<KeyGroupEntity.Forwarded>>> calls = new CopyOnWriteArrayList<>();
    final AtomicInteger failures;

    RecordingForwarder(int failures) {
      this.failures = new AtomicInteger(failures);
    }

    @Override
    public CompletionStage<Void> forward(String source, Map<Integer, List<KeyGroupEntity.Forwarded>> byTarget) {
      calls.add(byTarget);
      return failures.getAndDecrement() > 0
          ? CompletableFuture.failedFuture(new IllegalStateException("injected forward failure"))
          : CompletableFuture.completedFuture(null);
    }
  }

  @Test
  void firedResultsGoToTheNextStageWithTheirSequenceNumbersAndAreRetriedUntilAcknowledged() {
    var forwarder = new RecordingForwarder(1);
    EventSourcedBehaviorTestKit<KeyGroupEntity.Command, KeyGroupEntity.Event, KeyGroupState> kit =
        EventSourcedBehaviorTestKit.create(testKit.system(),
            KeyGroupBehavior.create(ITEMS, 1, new RecordingResultsSink(), forwarder, SETTINGS));
    List<Record> clicks = List.of(new Record("pen", 1_000, Map.of()), new Record("pen", 2_000, Map.of()),
        new Record("ink", 3_000, Map.of()), new Record("ink", 12_000, Map.of()));
    kit.<KeyGroupEntity.BatchAccepted>runCommand(r -> new KeyGroupEntity.ProcessBatch(
        List.of(TestParts.ticketed("req", clicks)), r));
    await().atMost(Duration.ofSeconds(5)).until(() -> forwarder.calls.size() >= 2);
    // the first call failed and was retried with the same records
    assertThat(forwarder.calls.get(1)).isEqualTo(forwarder.calls.get(0));
    List<KeyGroupEntity.Forwarded> sent = new ArrayList<>();
    forwarder.calls.get(1).values().forEach(sent::addAll);
    assertThat(sent).extracting(KeyGroupEntity.Forwarded::seq).containsExactly(1L, 2L);
    assertThat(sent).extracting(f -> f.record().key()).containsOnly("all");
    assertThat(sent).extracting(f -> f.record().ts()).containsOnly(9_999L);
    // the acknowledgement is recorded with the next journal write, and the outbox forgets what both sinks have
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      var next = kit.<KeyGroupEntity.BatchAccepted>runCommand(r -> new KeyGroupEntity.ProcessBatch(
          List.of(TestParts.ticketed(null, List.of(new Record("ink", 12_500, Map.of())))), r));
      assertThat(((KeyGroupEntity.BatchApplied) next.events().get(0)).forwardedUpTo()).isEqualTo(2);
      assertThat(next.state().forwardedSeq()).isEqualTo(2);
      assertThat(next.state().outbox().headMap(2L, true)).isEmpty();
    });
  }

  @Test
  void theNextStageAppliesEachSourcesRecordsOnceWhateverIsRedelivered() {
    EventSourcedBehaviorTestKit<KeyGroupEntity.Command, KeyGroupEntity.Event, KeyGroupState> kit =
        EventSourcedBehaviorTestKit.create(testKit.system(),
            KeyGroupBehavior.create(ITEMS.next(), 0, new RecordingResultsSink(), SETTINGS));
    var first = List.of(new KeyGroupEntity.Forwarded(1, new Record("all", 9_999, Map.of("n", 2L))),
        new KeyGroupEntity.Forwarded(2, new Record("all", 9_999, Map.of("n", 5L))));
    var applied = kit.<KeyGroupEntity.ForwardAccepted>runCommand(r -> new KeyGroupEntity.ForwardBatch("main/1", first, r));
    assertThat(applied.reply().applied()).isEqualTo(2);
    // a retry of the same batch, and an overlapping one: only seq 3 is new
    assertThat(kit.<KeyGroupEntity.ForwardAccepted>runCommand(r -> new KeyGroupEntity.ForwardBatch("main/1", first, r))
        .reply().applied()).isZero();
    var overlapping = List.of(first.get(1), new KeyGroupEntity.Forwarded(3, new Record("all", 9_999, Map.of("n", 1L))));
    var third = kit.<KeyGroupEntity.ForwardAccepted>runCommand(r -> new KeyGroupEntity.ForwardBatch("main/1", overlapping, r));
    assertThat(third.reply().applied()).isEqualTo(1);
    // another source has its own mark
    assertThat(kit.<KeyGroupEntity.ForwardAccepted>runCommand(r -> new KeyGroupEntity.ForwardBatch("main/2", first, r))
        .reply().applied()).isEqualTo(2);
    assertThat(kit.getState().highWater()).containsEntry("main/1", 3L).containsEntry("main/2", 2L);
    assertThat(kit.getState().stage().recordsApplied).isEqualTo(5);
    // the marks survive a restart (replay)
    kit.restart();
    assertThat(kit.<KeyGroupEntity.ForwardAccepted>runCommand(r -> new KeyGroupEntity.ForwardBatch("main/1", overlapping, r))
        .reply().applied()).isZero();
    var window = kit.<KeyGroupEntity.KeyStateView>runCommand(r -> new KeyGroupEntity.GetKeyState("all", r)).reply();
    assertThat(window.openWindows()).singleElement().satisfies(w ->
        assertThat(w.values()).containsEntry("most", 5L).containsEntry("total", 15L));
  }
}
