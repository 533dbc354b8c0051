package io.keyflow.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.entity.KeyGroupBehavior;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KeyGroupEntityTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config()
          .withFallback(ConfigFactory.parseString("pekko.actor.serialize-messages = on"))
          .withFallback(ConfigFactory.load()));

  private static final PipelineDefinition CLICKS = new PipelineDefinition("clicks", "main", "user", "ts",
      2_000, 0, 128, WindowSpec.tumbling(Duration.ofSeconds(10)),
      List.of(Aggregation.count("n"), Aggregation.of("amount", Aggregation.Function.SUM, "amount")));

  private static final PersistenceSettings SETTINGS =
      new PersistenceSettings(1000, 2, Duration.ofMinutes(5), Duration.ofMillis(50), 100, Duration.ofMillis(10), Duration.ofMillis(100), TestParts.WINDOW, TestParts.SKEW, TestParts.KEYLESS, TestParts.PRODUCERS);

  private RecordingResultsSink sink;
  private EventSourcedBehaviorTestKit<KeyGroupEntity.Command, KeyGroupEntity.Event, KeyGroupState> kit;

  @BeforeEach
  void setUp() {
    sink = new RecordingResultsSink();
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), KeyGroupBehavior.create(CLICKS, 7, sink, SETTINGS));
  }

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static List<KeyGroupEntity.Part> part(String id, Record... records) {
    return List.of(TestParts.ticketed(id, List.of(records)));
  }

  private static Record click(String user, long ts, long amount) {
    return new Record(user, ts, Map.of("amount", amount));
  }

  @Test
  void aBatchIsOneJournalEventAndIsAcknowledgedWithItsSize() {
    var result = kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(part(null, click("ann", 1_000, 5), click("bob", 2_000, 7), click("ann", 3_000, 1)), replyTo));
    assertThat(result.reply()).isEqualTo(new KeyGroupEntity.BatchAccepted(7, List.of(new KeyGroupEntity.PartOutcome(3, 0, false)), List.of()));
    assertThat(result.events()).hasSize(1);
    assertThat(result.state().stage().recordsApplied).isEqualTo(3);
  }

  @Test
  void firedWindowsReachTheResultsSinkAfterTheWrite() {
    kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(part(null, click("ann", 1_000, 5), click("ann", 9_999, 1)), replyTo));
    kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(part(null, click("bob", 12_000, 2)), replyTo));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(sink.latest).containsKey("ann@0"));
    assertThat(sink.latest.get("ann@0").values()).containsEntry("n", 2L).containsEntry("amount", 6L);
  }

  @Test
  void aFailedResultsWriteIsRetriedUntilItSucceeds() {
    sink.failNext.set(2);
    kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(part(null, click("ann", 1_000, 5)), replyTo));
    kit.<KeyGroupEntity.WatermarkAdvancedTo>runCommand(replyTo -> new KeyGroupEntity.AdvanceWatermark(50_000, replyTo));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(sink.latest).containsKey("ann@0"));
    assertThat(sink.writes.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void restartReplaysTheJournalToTheSameState() {
    kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(part(null, click("ann", 1_000, 5), click("bob", 15_000, 7)), replyTo));
    kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(part(null, click("ann", 16_000, 3)), replyTo));
    var before = kit.<KeyGroupEntity.KeyStateView>runCommand(replyTo -> new KeyGroupEntity.GetKeyState("ann", replyTo)).reply();
    var restarted = kit.restart();
    assertThat(restarted.state().stage().recordsApplied).isEqualTo(3);
    var after = kit.<KeyGroupEntity.KeyStateView>runCommand(replyTo -> new KeyGroupEntity.GetKeyState("ann", replyTo)).reply();
    assertThat(after).isEqualTo(before);
    assertThat(after.openWindows()).hasSize(1);
    assertThat(after.openWindows().get(0).values()).containsEntry("amount", 3L);
  }

  @Test
  void anOldWatermarkChangesNothing() {
    kit.<KeyGroupEntity.WatermarkAdvancedTo>runCommand(replyTo -> new KeyGroupEntity.AdvanceWatermark(10_000, replyTo));
    var result = kit.<KeyGroupEntity.WatermarkAdvancedTo>runCommand(replyTo -> new KeyGroupEntity.AdvanceWatermark(5_000, replyTo));
    assertThat(result.hasNoEvents()).isTrue();
    assertThat(result.reply().watermark()).isEqualTo(10_000);
  }

  @Test
  void wakeAnswersWithoutWriting() {
    var result = kit.<KeyGroupEntity.Awake>runCommand(KeyGroupEntity.Wake::new);
    assertThat(result.reply()).isEqualTo(new KeyGroupEntity.Awake(7));
    assertThat(result.hasNoEvents()).isTrue();
  }

  @Test
  void aRetriedPartIsReportedAsDuplicateAndNotAppliedTwice() {
    var first = kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(
        part("req-1", click("ann", 1_000, 5), click("ann", 2_000, 1)), replyTo));
    assertThat(first.reply().parts()).containsExactly(new KeyGroupEntity.PartOutcome(2, 0, false));
    var retry = kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(List.of(
        TestParts.ticketed("req-1", List.of(click("ann", 1_000, 5), click("ann", 2_000, 1))),
        TestParts.ticketed("req-2", List.of(click("ann", 3_000, 2))),
        TestParts.ticketed("req-2", List.of(click("ann", 3_000, 2)))), replyTo));
    assertThat(retry.reply().parts()).containsExactly(new KeyGroupEntity.PartOutcome(0, 2, false),
        new KeyGroupEntity.PartOutcome(1, 0, false), new KeyGroupEntity.PartOutcome(0, 1, false));
    assertThat(retry.state().stage().recordsApplied).isEqualTo(3);
    kit.restart();
    var afterRestart = kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(
        part("req-2", click("ann", 3_000, 2)), replyTo));
    assertThat(afterRestart.reply().parts()).containsExactly(new KeyGroupEntity.PartOutcome(0, 1, false));
    assertThat(afterRestart.hasNoEvents()).isTrue();
  }

  @Test
  void aHomeGroupJournalsANewKeyInItsBatchEventAndRefusesItWithAnotherBody() {
    var first = kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(List.of(),
        List.of(Idempotency.Claim.byKey("k1", "body-a", 0)), replyTo));
    assertThat(first.reply().tickets()).extracting(Idempotency.Ticket::verdict).containsExactly(Idempotency.Verdict.NEW);
    assertThat(first.eventOfType(KeyGroupEntity.BatchApplied.class).keysClaimed()).hasSize(1);
    kit.restart();
    var again = kit.<KeyGroupEntity.BatchAccepted>runCommand(replyTo -> new KeyGroupEntity.ProcessBatch(List.of(),
        List.of(Idempotency.Claim.byKey("k1", "body-a", 0), Idempotency.Claim.byKey("k1", "body-b", 0)), replyTo));
    assertThat(again.reply().tickets()).extracting(Idempotency.Ticket::verdict)
        .containsExactly(Idempotency.Verdict.SEEN, Idempotency.Verdict.DIFFERENT_BODY);
    assertThat(again.reply().tickets().get(0)).isEqualTo(first.reply().tickets().get(0).withVerdict(Idempotency.Verdict.SEEN));
    assertThat(again.hasNoEvents()).isTrue();
  }

  @Test
  void handOffSnapshotsThenStopsSoTheNextOwnerReplaysNothing() {
    var replies = testKit.<KeyGroupEntity.BatchAccepted>createTestProbe();
    var entity = testKit.spawn(KeyGroupBehavior.create(CLICKS, 8, sink, SETTINGS));
    entity.tell(new KeyGroupEntity.ProcessBatch(part("h#0", click("ann", 1_000, 5)), replies.ref()));
    replies.receiveMessage();
    var watcher = testKit.createTestProbe();
    entity.tell(KeyGroupEntity.HandOff.INSTANCE);
    watcher.expectTerminated(entity, Duration.ofSeconds(5));

    var snapshots = org.apache.pekko.persistence.testkit.javadsl.SnapshotTestKit.create(testKit.system());
    var stored = snapshots.persistedInStorage(KeyGroupEntity.persistenceId(CLICKS, 8).id());
    assertThat(stored).as("a snapshot taken on hand-off").isNotEmpty();
    assertThat(stored.get(stored.size() - 1).second()).isInstanceOf(FrozenSnapshotAdapter.FrozenState.class);

    var next = testKit.spawn(KeyGroupBehavior.create(CLICKS, 8, sink, SETTINGS));
    var view = testKit.<KeyGroupEntity.KeyStateView>createTestProbe();
    next.tell(new KeyGroupEntity.GetKeyState("ann", view.ref()));
    assertThat(view.receiveMessage().keyGroupRecords()).isEqualTo(1);
  }

  @Test
  void handOffWithNothingNewStopsAtOnce() {
    var entity = testKit.spawn(KeyGroupBehavior.create(CLICKS, 9, sink, SETTINGS));
    var awake = testKit.<KeyGroupEntity.Awake>createTestProbe();
    entity.tell(new KeyGroupEntity.Wake(awake.ref()));
    awake.receiveMessage();
    entity.tell(KeyGroupEntity.HandOff.INSTANCE);
    testKit.createTestProbe().expectTerminated(entity, Duration.ofSeconds(2));
  }

  @Test
  void aSnapshotIsFrozenWhenTakenSoLaterEventsAreNotReplayedTwice() {
    var replies = testKit.<KeyGroupEntity.BatchAccepted>createTestProbe();
    var entity = testKit.spawn(KeyGroupBehavior.create(CLICKS, 10, sink, SETTINGS));
    entity.tell(new KeyGroupEntity.ProcessBatch(part("f#0", click("ann", 1_000, 5)), replies.ref()));
    entity.tell(KeyGroupEntity.HandOff.INSTANCE);
    testKit.createTestProbe().expectTerminated(entity, Duration.ofSeconds(5));
    var next = testKit.spawn(KeyGroupBehavior.create(CLICKS, 10, sink, SETTINGS));
    // Events after the snapshot, then a restart that recovers from snapshot + tail.
    for (int i = 1; i <= 3; i++) {
      next.tell(new KeyGroupEntity.ProcessBatch(part("f#" + i, click("ann", 1_000 + i, 1)), replies.ref()));
    }
    for (int i = 0; i < 4; i++) {
      replies.receiveMessage();
    }
    next.tell(KeyGroupEntity.HandOff.INSTANCE);
    testKit.createTestProbe().expectTerminated(next, Duration.ofSeconds(5));
    var recovered = testKit.spawn(KeyGroupBehavior.create(CLICKS, 10, sink, SETTINGS));
    var view = testKit.<KeyGroupEntity.KeyStateView>createTestProbe();
    recovered.tell(new KeyGroupEntity.GetKeyState("ann", view.ref()));
    assertThat(view.receiveMessage().keyGroupRecords()).isEqualTo(4);
  }

  @Test
  void aRestartAfterAJournalFailureRecoversWithoutApplyingEventsTwice() {
    var journal = org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(testKit.system());
    var replies = testKit.<KeyGroupEntity.BatchAccepted>createTestProbe();
    var entity = testKit.spawn(KeyGroupBehavior.create(CLICKS, 11, sink, SETTINGS));
    entity.tell(new KeyGroupEntity.ProcessBatch(part("j#0", click("ann", 1_000, 5)), replies.ref()));
    replies.receiveMessage();
    journal.failNextPersisted();
    entity.tell(new KeyGroupEntity.ProcessBatch(part("j#1", click("ann", 2_000, 1)), replies.ref()));
    replies.expectNoMessage(Duration.ofMillis(300));
    var view = testKit.<KeyGroupEntity.KeyStateView>createTestProbe();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      entity.tell(new KeyGroupEntity.GetKeyState("ann", view.ref()));
      assertThat(view.receiveMessage(Duration.ofSeconds(1)).keyGroupRecords())
          .as("the internal restart recovers from the journal, not from a changed empty state").isEqualTo(1);
    });
  }
}
