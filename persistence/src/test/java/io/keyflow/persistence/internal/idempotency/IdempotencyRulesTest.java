package io.keyflow.persistence.internal.idempotency;

import static io.keyflow.persistence.IdempotencyModel.click;
import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.Idempotency.Verdict;
import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.IdempotencyModel.Outcome;
import io.keyflow.persistence.IdempotencyModel;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.pipeline.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The idempotency contract (docs/idempotency.md) on the pure transitions of several key groups. */
class IdempotencyRulesTest {

  private static final long T0 = 1_767_225_600_000L;
  private static final long MINUTE = 60_000;

  private final IdempotencyModel model = new IdempotencyModel();

  private static List<Record> events(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> click(prefix + "-user-" + i, 1_000 + i)).toList();
  }

  @Test
  void aRequestSplitOverKeyGroupsPartlyAppliedAndRetriedLaterThroughANodeWithAnotherChunkSizeAppliesEachEventOnce() {
    var nodeA = model.new Node(0, 3);
    var nodeB = model.new Node(0, 7);
    List<Record> request = events("r", 60);
    Set<Integer> groups = request.stream().map(r -> model.definition.keyGroupOf(r.key())).collect(Collectors.toSet());
    assertThat(groups).hasSizeGreaterThan(4);
    Set<Integer> half = groups.stream().limit(groups.size() / 2).collect(Collectors.toSet());
    Claim claim = Claim.byKey("req-1", "fp-1", 0);

    Outcome partial = nodeA.send(claim, "req-1", request, T0, half);
    assertThat(partial.accepted()).isBetween(1, 59);
    // Many other requests (keyed and keyless) pass through the same key groups meanwhile.
    for (int i = 0; i < 2_000; i++) {
      List<Record> other = events("o" + i, 5);
      Claim c = i % 2 == 0 ? Claim.byKey("other-" + i, "fp", 0) : null;
      assertThat(nodeB.send(c, c == null ? null : "other-" + i, other, T0 + i * 100L).accepted()).isEqualTo(5);
    }

    Outcome retry = nodeB.send(claim, "req-1", request, T0 + 4 * MINUTE);
    assertThat(retry.refused()).isNull();
    assertThat(retry.accepted()).isEqualTo(60 - partial.accepted());
    assertThat(retry.duplicates()).isEqualTo(partial.accepted());
    Outcome again = nodeA.send(claim, "req-1", request, T0 + 5 * MINUTE);
    assertThat(again.accepted()).isZero();
    assertThat(again.duplicates()).isEqualTo(60);
    assertThat(model.recordsApplied()).isEqualTo(60 + 2_000 * 5);
  }

  @Test
  void theSameKeyWithTwoBodiesAtTwoNodesAtOnceAppliesOneAndRefusesTheOtherWith422() {
    var nodeA = model.new Node(0, 2_000);
    var nodeB = model.new Node(3_000, 2_000);
    List<Record> bodyA = events("a", 20);
    List<Record> bodyB = events("b", 20);
    // Both claims reach the home group together, in one batch and as two batches: either way the
    // home group's single writer orders them, and only the first gets a ticket.
    int home = model.definition.keyGroupOf(Claim.byKey("k", "x", 0).homeKey());
    var both = model.batch(home, List.of(), List.of(Claim.byKey("k", "fp-a", 0), Claim.byKey("k", "fp-b", 0)), T0);
    assertThat(both.tickets()).extracting(Idempotency.Ticket::verdict).containsExactly(Verdict.NEW, Verdict.DIFFERENT_BODY);

    Outcome a = nodeA.send(Claim.byKey("k2", "fp-a", 0), "k2", bodyA, T0);
    Outcome b = nodeB.send(Claim.byKey("k2", "fp-b", 0), "k2", bodyB, T0);
    assertThat(a.accepted()).isEqualTo(20);
    assertThat(b.refused()).isEqualTo(Verdict.DIFFERENT_BODY);
    assertThat(model.recordsApplied()).as("nothing of the refused body").isEqualTo(20);
    // The retry of the refused body stays refused, the winner's retry is a duplicate.
    assertThat(nodeA.send(Claim.byKey("k2", "fp-b", 0), "k2", bodyB, T0 + MINUTE).refused()).isEqualTo(Verdict.DIFFERENT_BODY);
    assertThat(nodeB.send(Claim.byKey("k2", "fp-a", 0), "k2", bodyA, T0 + MINUTE).duplicates()).isEqualTo(20);
  }

  @Test
  void producerSequencesOutOfOrderAcrossNodesApplyOnceEach() {
    var nodeA = model.new Node(0, 2_000);
    var nodeB = model.new Node(-2_000, 4);
    List<List<Record>> bodies = new ArrayList<>();
    for (int s = 0; s < 6; s++) {
      bodies.add(events("p" + s, 10));
    }
    assertThat(nodeA.send(Claim.byProducer("p1", 0, 0), null, bodies.get(0), T0).accepted()).isEqualTo(10);
    assertThat(nodeB.send(Claim.byProducer("p1", 0, 5), null, bodies.get(5), T0 + 10).accepted()).isEqualTo(10);
    assertThat(nodeA.send(Claim.byProducer("p1", 0, 4), null, bodies.get(4), T0 + 20).accepted())
        .as("seq 4 after seq 5, through another node").isEqualTo(10);
    assertThat(nodeB.send(Claim.byProducer("p1", 0, 4), null, bodies.get(4), T0 + 30).duplicates()).isEqualTo(10);
    assertThat(nodeA.send(Claim.byProducer("p1", 0, 5), null, bodies.get(5), T0 + 40).duplicates()).isEqualTo(10);
    assertThat(model.recordsApplied()).isEqualTo(30);

    assertThat(nodeA.send(Claim.byProducer("p2", 0, 3), null, bodies.get(1), T0).refused())
        .as("an unknown producer with a non-initial sequence").isEqualTo(Verdict.OUT_OF_SEQUENCE);
    assertThat(nodeB.send(Claim.byProducer("p1", 1, 0), null, bodies.get(1), T0 + 50).accepted()).isEqualTo(10);
    assertThat(nodeA.send(Claim.byProducer("p1", 0, 6), null, bodies.get(2), T0 + 60).refused())
        .as("the older epoch is fenced").isEqualTo(Verdict.FENCED);
    assertThat(nodeA.send(Claim.byProducer("p1", 1, 7), null, bodies.get(2), T0 + 70).accepted()).isEqualTo(10);

    // After the window, a sequence number below what the producer's home still knows is 409.
    nodeA.send(Claim.byProducer("p1", 1, 8), null, bodies.get(3), T0 + 16 * MINUTE);
    assertThat(nodeB.send(Claim.byProducer("p1", 1, 0), null, bodies.get(1), T0 + 17 * MINUTE).refused()).isEqualTo(Verdict.TOO_OLD);
    assertThat(nodeB.send(Claim.byProducer("p1", 1, 3), null, bodies.get(1), T0 + 17 * MINUTE).refused())
        .as("never sent, but below the window's floor").isEqualTo(Verdict.TOO_OLD);
    assertThat(model.recordsApplied()).isEqualTo(60);
  }

  @Test
  void theWindowExpiresByJournaledTimeAlsoAfterAReplayOnANodeWithAnotherClock() {
    var node = model.new Node(0, 2_000);
    Claim claim = Claim.byKey("late", "fp", 0);
    int home = model.definition.keyGroupOf(claim.homeKey());
    node.send(claim, "late", events("l", 12), T0);
    node.send(Claim.byKey("filler-1", "fp", 0), "filler-1", events("f1", 3), T0 + 10 * MINUTE);
    KeyGroupState before = model.states[home];
    assertThat(before.idempotency().claims).containsKey("late");

    // Recovery on a node whose clock is two hours ahead: the replay reads no clock.
    for (int kg = 0; kg < model.states.length; kg++) {
      model.replay(kg);
    }
    assertThat(model.states[home].idempotency().claims).containsKey("late");
    var skewedNode = model.new Node(2 * 60 * MINUTE, 2_000);
    var sameClockNode = model.new Node(0, 2_000);
    assertThat(sameClockNode.send(claim, "late", events("l", 12), T0 + 12 * MINUTE).duplicates())
        .as("within the window by the journaled first-seen time").isEqualTo(12);

    // A node with a clock two hours ahead writes: by the time its event carries, the window is over.
    assertThat(skewedNode.send(claim, "late", events("l", 12), T0 + 12 * MINUTE).refused()).isEqualTo(Verdict.TOO_OLD);
    assertThat(model.states[home].idempotency().claims).as("a refusal journals nothing").containsKey("late");
    // Expiry happens when an event with a later journaled time is applied, and a replay agrees.
    model.batch(home, List.of(), List.of(Claim.byKey("filler-2", "fp", 0)), T0 + 16 * MINUTE);
    assertThat(model.states[home].idempotency().claims).doesNotContainKey("late");
    model.replay(home);
    assertThat(model.states[home].idempotency().claims).doesNotContainKey("late").containsKey("filler-2");
    assertThat(model.recordsApplied()).isEqualTo(15);
  }

  @Test
  void aRetryOlderThanItsWindowIs409AndNeverAppliedAgain() {
    var node = model.new Node(0, 2_000);
    List<Record> body = events("old", 8);
    node.send(Claim.byKey("old", "fp", T0), "old", body, T0);
    node.send(Claim.byKey("filler", "fp", 0), "filler", events("f", 8), T0 + 20 * MINUTE);
    // The home forgot the key; the client's first-sent marker shows the retry is beyond the window.
    assertThat(node.send(Claim.byKey("old", "fp", T0), "old", body, T0 + 20 * MINUTE).refused()).isEqualTo(Verdict.TOO_OLD);
    // A part first seen beyond a data group's window (window + clock skew) is refused there too.
    var ticket = new KeyGroupEntity.Part("x", List.of(click("old-user-0", 1)), "h/1", 0, T0, 0, 1);
    int kg = model.definition.keyGroupOf("old-user-0");
    var outcome = model.batch(kg, List.of(ticket), List.of(), T0 + 20 * MINUTE).parts().get(0);
    assertThat(outcome.tooOld()).isTrue();
    assertThat(model.recordsApplied()).isEqualTo(16);
  }

  @Test
  void keylessPartsStayOutOfTheIdempotencyWindow() {
    var node = model.new Node(0, 2_000);
    for (int i = 0; i < 100; i++) {
      node.send(null, null, events("k" + i, 4), T0 + i * 1_000L);
    }
    node.send(null, null, events("last", 40), T0 + 5 * MINUTE);
    for (KeyGroupState state : model.states) {
      if (state.idempotency().latestAppliedAt < T0 + 5 * MINUTE) {
        continue; // a key group forgets when it next writes
      }
      assertThat(state.idempotency().applied.keySet()).as("keyless sources last for the resend window only")
          .allMatch(source -> state.idempotency().applied.get(source).newest >= T0 + 3 * MINUTE);
      assertThat(state.idempotency().claims).isEmpty();
    }
  }
}
