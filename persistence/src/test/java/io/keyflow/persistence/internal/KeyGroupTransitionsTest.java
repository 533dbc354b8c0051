package io.keyflow.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.IdempotencyModel;
import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.ForwardApplied;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity.PartOutcome;
import io.keyflow.persistence.KeyGroupEntity.SnapshotMarker;
import io.keyflow.persistence.KeyGroupEntity.WatermarkAdvanced;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.persistence.internal.idempotency.IdempotencyRules;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.runner.Operators;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The key group's pure state logic, event by event: which parts of a batch are new, what applying
 * them does to the stage and the outbox, and what a recovery starts from. (Idempotency across
 * nodes, windows and retries is covered by {@code IdempotencyRulesTest} and
 * {@code ForwardingInterleavingsTest}, which drive these transitions through {@link IdempotencyModel}.)
 */
class KeyGroupTransitionsTest {

  private static final PipelineDefinition CLICKS = new PipelineDefinition("clicks", "main", "user", "ts", 0, 0, 8,
      WindowSpec.tumbling(Duration.ofSeconds(10)), List.of(Aggregation.count("n")));
  private static final long NOW = 1_000_000L;

  private static KeyGroupTransitions transitions(boolean forwarding) {
    return new KeyGroupTransitions(Operators.create(CLICKS, 0), 0, IdempotencyModel.SETTINGS, forwarding);
  }

  private static Record click(String user, long ts) {
    return new Record(user, ts, Map.of("user", user));
  }

  private static Part part(String request, long seq, List<Record> records) {
    return new Part(request, records, "h/0", seq, NOW, 0, records.size());
  }

  /** Decides {@code parts} and, if anything is new, applies them as the entity would journal them. */
  private static KeyGroupState batch(KeyGroupTransitions t, KeyGroupState[] state, List<Part> parts,
      List<Idempotency.Claim> claims, List<PartOutcome> outcomes) {
    IdempotencyRules.Decision decision = t.decide(state[0], parts, claims, NOW);
    outcomes.addAll(decision.outcomes());
    if (!decision.nothingToWrite()) {
      state[0] = t.batchApplied(state[0], new BatchApplied(decision.fresh(), 0, NOW, 0, decision.keysClaimed(),
          decision.producerSeqsClaimed()));
    }
    return state[0];
  }

  @Test
  void aPartIsAppliedOnceAndItsRetryIsADuplicateThatNeverReachesTheOperator() {
    KeyGroupTransitions t = transitions(false);
    KeyGroupState[] state = {t.emptyState()};
    List<Record> records = List.of(click("a", 1), click("b", 2), click("a", 3));
    List<PartOutcome> first = new java.util.ArrayList<>();
    batch(t, state, List.of(part("r1", 1, records)), List.of(), first);
    assertThat(first).containsExactly(new PartOutcome(3, 0, false));
    assertThat(state[0].stage().recordsApplied).isEqualTo(3);

    List<PartOutcome> retry = new java.util.ArrayList<>();
    batch(t, state, List.of(part("r1", 1, records)), List.of(), retry);
    assertThat(retry).containsExactly(new PartOutcome(0, 3, false));
    assertThat(state[0].stage().recordsApplied).isEqualTo(3);
  }

  @Test
  void aRetryCarryingMoreOfTheShareAppliesOnlyTheMissingOffsets() {
    KeyGroupTransitions t = transitions(false);
    KeyGroupState[] state = {t.emptyState()};
    List<Record> share = List.of(click("a", 1), click("b", 2), click("c", 3), click("d", 4));
    List<PartOutcome> outcomes = new java.util.ArrayList<>();
    batch(t, state, List.of(new Part("r2", share.subList(0, 2), "h/0", 2, NOW, 0, 4)), List.of(), outcomes);
    batch(t, state, List.of(new Part("r2", share, "h/0", 2, NOW, 0, 4)), List.of(), outcomes);
    assertThat(outcomes).containsExactly(new PartOutcome(2, 0, false), new PartOutcome(2, 2, false));
    assertThat(state[0].stage().recordsApplied).isEqualTo(4);
  }

  @Test
  void aBatchOfClaimsOnlyGivesTicketsAndLeavesTheStageUntouched() {
    KeyGroupTransitions t = transitions(false);
    KeyGroupState[] state = {t.emptyState()};
    Idempotency.Claim claim = Idempotency.Claim.byKey("k", "fp", 0);
    IdempotencyRules.Decision decision = t.decide(state[0], List.of(), List.of(claim), NOW);
    assertThat(decision.tickets()).singleElement().extracting(Idempotency.Ticket::verdict).isEqualTo(Idempotency.Verdict.NEW);
    state[0] = t.batchApplied(state[0], new BatchApplied(List.of(), 0, NOW, 0, decision.keysClaimed(), List.of()));
    assertThat(state[0].stage().recordsApplied).isZero();
    assertThat(state[0].outbox()).isEmpty();
    assertThat(t.decide(state[0], List.of(), List.of(claim), NOW).tickets()).singleElement()
        .satisfies(again -> {
          assertThat(again.verdict()).isEqualTo(Idempotency.Verdict.SEEN);
          assertThat(again.seq()).isEqualTo(decision.tickets().get(0).seq());
        });
  }

  @Test
  void theEmptyStateIsNeverChangedSoAReplayFromItRebuildsTheSameState() {
    KeyGroupTransitions t = transitions(false);
    List<BatchApplied> journal = List.of(
        new BatchApplied(List.of(part("r1", 1, List.of(click("a", 1), click("b", 2)))), 0, NOW, 0, List.of(), List.of()),
        new BatchApplied(List.of(part("r2", 2, List.of(click("a", 12_000)))), 0, NOW, 0, List.of(), List.of()));
    KeyGroupState live = t.emptyState();
    for (BatchApplied event : journal) {
      live = t.batchApplied(live, event);
    }
    KeyGroupState empty = t.emptyState();
    assertThat(empty.stage().recordsApplied).isZero();
    assertThat(empty.outbox()).isEmpty();
    assertThat(t.decide(empty, journal.get(0).parts(), List.of(), NOW).outcomes())
        .containsExactly(new PartOutcome(2, 0, false));

    KeyGroupState replayed = t.emptyState();
    for (BatchApplied event : journal) {
      replayed = t.batchApplied(replayed, event);
    }
    assertThat(replayed.stage().recordsApplied).isEqualTo(live.stage().recordsApplied).isEqualTo(3);
    assertThat(replayed.outbox()).isEqualTo(live.outbox());
  }

  @Test
  void firedResultsStayInTheOutboxUntilEveryDestinationHasThem() {
    KeyGroupTransitions t = transitions(true);
    KeyGroupState state = t.batchApplied(t.emptyState(),
        new BatchApplied(List.of(part("r1", 1, List.of(click("a", 1), click("b", 2)))), 0, NOW, 0, List.of(), List.of()));
    state = t.watermarkAdvanced(state, new WatermarkAdvanced(20_000, 0, 0));
    assertThat(state.outbox()).isNotEmpty();
    long last = state.outbox().lastKey();

    state = t.snapshotMarked(state, new SnapshotMarker("test", last, 0));
    assertThat(state.outbox()).as("delivered, not yet forwarded").isNotEmpty();
    state = t.snapshotMarked(state, new SnapshotMarker("test", last, last));
    assertThat(state.outbox()).isEmpty();

    KeyGroupTransitions lastStage = transitions(false);
    KeyGroupState alone = lastStage.watermarkAdvanced(lastStage.batchApplied(lastStage.emptyState(),
        new BatchApplied(List.of(part("r1", 1, List.of(click("a", 1)))), 0, NOW, 0, List.of(), List.of())),
        new WatermarkAdvanced(20_000, 0, 0));
    alone = lastStage.snapshotMarked(alone, new SnapshotMarker("test", alone.outbox().lastKey(), 0));
    assertThat(alone.outbox()).as("without a next stage, delivered is enough").isEmpty();
  }

  @Test
  void forwardedRecordsAtOrBelowTheirSourcesHighWaterMarkAreNotNew() {
    KeyGroupTransitions t = transitions(false);
    List<Forwarded> sent = List.of(new Forwarded(1, click("a", 1)), new Forwarded(2, click("b", 2)));
    KeyGroupState state = t.emptyState();
    assertThat(KeyGroupTransitions.newRecords(state, "up/3", sent)).isEqualTo(sent);
    state = t.forwardApplied(state, new ForwardApplied("up/3", sent, NOW, 0, 0));
    assertThat(state.highWater()).containsEntry("up/3", 2L);
    assertThat(state.stage().recordsApplied).isEqualTo(2);

    List<Forwarded> resent = List.of(new Forwarded(2, click("b", 2)), new Forwarded(3, click("c", 3)));
    assertThat(KeyGroupTransitions.newRecords(state, "up/3", resent)).extracting(Forwarded::seq).containsExactly(3L);
    assertThat(KeyGroupTransitions.newRecords(state, "up/4", resent)).isEqualTo(resent);
  }
}
