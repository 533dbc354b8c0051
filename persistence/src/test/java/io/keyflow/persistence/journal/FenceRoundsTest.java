package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The pacing and batching of the Paxos rounds of fence partitions, against a partition kept in a
 * map: an update is "expect → new value" on one id's row, and a batch applies as a conditional
 * batch does in Cassandra, whole or not at all, answering the current rows when it does not. Rounds
 * are answered by hand, so every order of answers is chosen by the test.
 */
class FenceRoundsTest {

  /** Sets {@code id}'s row to {@code to} if it is {@code expect} (null: no row). */
  record Set1(String id, Integer expect, int to) {}

  /** The partitions, the rounds sent (not yet answered), in order. */
  final class Store implements FenceRounds.Paxos<Set1, Integer> {
    final Map<String, Map<String, Integer>> rows = new HashMap<>();
    final List<Round> sent = new ArrayList<>();

    record Round(String fenceKey, List<String> ids, List<Set1> updates, CompletableFuture<Object> answer) {}

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<Optional<Map<String, Integer>>> conditional(String fenceKey, List<String> ids,
        List<Set1> updates) {
      CompletableFuture<Object> answer = new CompletableFuture<>();
      sent.add(new Round(fenceKey, ids, updates, answer));
      return answer.thenApply(o -> (Optional<Map<String, Integer>>) o);
    }

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<Map<String, Integer>> serialRead(String fenceKey, Set<String> ids) {
      CompletableFuture<Object> answer = new CompletableFuture<>();
      sent.add(new Round(fenceKey, List.copyOf(ids), null, answer));
      return answer.thenApply(o -> (Map<String, Integer>) o);
    }

    /** Answers round {@code i} as Cassandra would from the rows as they are now. */
    void answer(int i) {
      Round round = sent.get(i);
      Map<String, Integer> partition = rows.computeIfAbsent(round.fenceKey(), k -> new HashMap<>());
      if (round.updates() == null) {
        Map<String, Integer> read = new HashMap<>();
        round.ids().forEach(id -> {
          if (partition.containsKey(id)) {
            read.put(id, partition.get(id));
          }
        });
        round.answer().complete(read);
        return;
      }
      boolean all = round.updates().stream().allMatch(u -> java.util.Objects.equals(partition.get(u.id()), u.expect()));
      if (all) {
        round.updates().forEach(u -> partition.put(u.id(), u.to()));
        round.answer().complete(Optional.empty());
      } else {
        Map<String, Integer> current = new HashMap<>();
        round.ids().forEach(id -> {
          if (partition.containsKey(id)) {
            current.put(id, partition.get(id));
          }
        });
        round.answer().complete(Optional.of(current));
      }
    }

    void fail(int i, String message) {
      sent.get(i).answer().completeExceptionally(new IllegalStateException(message));
    }
  }

  private final Store store = new Store();
  private final FenceRounds<Set1, Integer> rounds = new FenceRounds<>(store, 2, 3);

  private CompletableFuture<FenceRounds.Outcome<Integer>> set(String fenceKey, String id, Integer expect, int to) {
    return rounds.conditional(fenceKey, id, new Set1(id, expect, to),
        row -> java.util.Objects.equals(row, expect));
  }

  @Test
  void updatesWaitingForAPermitLeaveTogetherAsOneBatchWhenOneAnswers() throws Exception {
    var a = set("p|s", "a", null, 1);
    var b = set("p|s", "b", null, 1);
    var c = set("p|s", "c", null, 1);
    var d = set("p|s", "d", null, 1);
    var e = set("p|s", "e", null, 1);
    assertThat(store.sent).hasSize(2);
    assertThat(store.sent.get(0).ids()).containsExactly("a");
    assertThat(store.sent.get(1).ids()).containsExactly("b");
    assertThat(rounds.inFlight("p|s")).isEqualTo(2);

    store.answer(1);
    assertThat(b.get().applied()).isTrue();
    assertThat(store.sent).hasSize(3);
    assertThat(store.sent.get(2).ids()).containsExactly("c", "d", "e");
    store.answer(2);
    store.answer(0);
    for (var f : List.of(a, c, d, e)) {
      assertThat(f.get().applied()).isTrue();
    }
    assertThat(store.rows.get("p|s")).containsOnlyKeys("a", "b", "c", "d", "e");
    assertThat(rounds.inFlight("p|s")).isZero();
  }

  @Test
  void aBatchHoldsAtMostOneUpdateOfAnIdAndTheSecondWaitsForTheNextRound() throws Exception {
    set("p|s", "x", null, 0);
    set("p|s", "y", null, 0);
    // Both judged against the row as it was, both would apply: they must never share a batch.
    var first = set("p|s", "a", null, 1);
    var second = set("p|s", "a", null, 2);
    var other = set("p|s", "b", null, 1);
    store.answer(0);
    assertThat(store.sent.get(2).ids()).containsExactly("a", "b");
    store.answer(2);
    assertThat(first.get().applied()).isTrue();
    assertThat(other.get().applied()).isTrue();
    assertThat(store.sent.get(3).ids()).containsExactly("a");
    store.answer(3);
    assertThat(second.get()).isEqualTo(new FenceRounds.Outcome<>(false, 1));
    assertThat(store.rows.get("p|s").get("a")).isEqualTo(1);
    for (Store.Round round : store.sent) {
      assertThat(new HashSet<>(round.ids())).hasSameSizeAs(round.ids());
    }
  }

  @Test
  void inABatchThatDidNotApplyTheUpdateWhoseConditionFailedIsAnsweredAndTheOthersGoAgainFirst() throws Exception {
    store.rows.put("p|s", new HashMap<>(Map.of("b", 7)));
    set("p|s", "x", null, 0);
    set("p|s", "y", null, 0);
    var a = set("p|s", "a", null, 1);
    var b = set("p|s", "b", null, 1);
    var c = set("p|s", "c", null, 1);
    var later = set("p|s", "d", null, 1);
    store.answer(0);
    assertThat(store.sent.get(2).ids()).containsExactly("a", "b", "c");
    store.answer(2);
    assertThat(b.get()).isEqualTo(new FenceRounds.Outcome<>(false, 7));
    assertThat(a).isNotDone();
    assertThat(store.sent.get(3).ids()).as("the held ones before the one that came later").containsExactly("a", "c", "d");
    store.answer(3);
    assertThat(a.get().applied()).isTrue();
    assertThat(c.get().applied()).isTrue();
    assertThat(later.get().applied()).isTrue();
    assertThat(store.rows.get("p|s")).containsEntry("b", 7).containsEntry("a", 1).containsEntry("c", 1);
  }

  @Test
  void whenNoUpdateCanBeBlamedEachGoesAloneForTheAnswerItWouldHaveHadAlone() throws Exception {
    store.rows.put("p|s", new HashMap<>(Map.of("b", 7)));
    set("p|s", "x", null, 0);
    set("p|s", "y", null, 0);
    // The predicate of b is wrong (it says null holds where the row is 7): the batch does not
    // apply, and nobody seems to blame.
    var a = set("p|s", "a", null, 1);
    var b = rounds.conditional("p|s", "b", new Set1("b", null, 1), row -> true);
    store.answer(0);
    store.answer(2);
    assertThat(a).isNotDone();
    assertThat(b).isNotDone();
    assertThat(store.sent.get(3).ids()).containsExactly("a");
    store.answer(1);
    assertThat(store.sent.get(4).ids()).containsExactly("b");
    store.answer(3);
    store.answer(4);
    assertThat(a.get().applied()).isTrue();
    assertThat(b.get()).isEqualTo(new FenceRounds.Outcome<>(false, 7));
  }

  @Test
  void aBatchWithAnUnknownOutcomeFailsEveryUpdateInItAndFreesItsPermit() throws Exception {
    set("p|s", "x", null, 0);
    set("p|s", "y", null, 0);
    var a = set("p|s", "a", null, 1);
    var b = set("p|s", "b", null, 1);
    store.answer(0);
    store.fail(2, "write timeout");
    assertThatThrownBy(a::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("write timeout");
    assertThatThrownBy(b::get).hasRootCauseMessage("write timeout");
    var c = set("p|s", "c", null, 1);
    assertThat(store.sent.get(3).ids()).containsExactly("c");
    store.answer(3);
    assertThat(c.get().applied()).isTrue();
  }

  @Test
  void serialReadsWaitingLeaveAsOneReadAndReadsOfOneIdShareItsAnswer() throws Exception {
    store.rows.put("p|s", new HashMap<>(Map.of("a", 3)));
    set("p|s", "x", null, 0);
    set("p|s", "y", null, 0);
    var a1 = rounds.serialRead("p|s", "a");
    var a2 = rounds.serialRead("p|s", "a");
    var none = rounds.serialRead("p|s", "n");
    var update = set("p|s", "z", null, 1);
    store.answer(0);
    assertThat(store.sent.get(2).updates()).isNull();
    assertThat(store.sent.get(2).ids()).containsExactly("a", "n");
    store.answer(2);
    assertThat(a1.get()).isEqualTo(3);
    assertThat(a2.get()).isEqualTo(3);
    assertThat(none.get()).isNull();
    assertThat(store.sent.get(3).ids()).containsExactly("z");
    store.answer(3);
    assertThat(update.get().applied()).isTrue();
  }

  @Test
  void partitionsArePacedAndBatchedApart() {
    set("p|s", "a", null, 1);
    set("p|s", "b", null, 1);
    set("p|t", "a", null, 1);
    set("q|s", "a", null, 1);
    set("p|s", "c", null, 1);
    assertThat(store.sent).extracting(Store.Round::fenceKey).containsExactly("p|s", "p|s", "p|t", "q|s");
  }

  /** Paxos whose conditional rounds {@code conditional} answers and whose serial reads find no row. */
  private static FenceRounds.Paxos<Set1, Integer> paxos(
      java.util.function.Function<List<Set1>, CompletionStage<Optional<Map<String, Integer>>>> conditional) {
    return new FenceRounds.Paxos<>() {
      @Override
      public CompletionStage<Optional<Map<String, Integer>>> conditional(String k, List<String> ids, List<Set1> u) {
        return conditional.apply(u);
      }

      @Override
      public CompletionStage<Map<String, Integer>> serialRead(String k, Set<String> ids) {
        return CompletableFuture.completedFuture(Map.of());
      }
    };
  }

  @Test
  void aRoundThatThrowsFailsItsUpdatesAndFreesItsPermit() throws Exception {
    FenceRounds<Set1, Integer> broken = new FenceRounds<>(paxos(updates -> {
      throw new IllegalArgumentException("cannot bind");
    }), 1, 3);
    var a = broken.conditional("p|s", "a", new Set1("a", null, 1), row -> true);
    assertThatThrownBy(a::get).hasRootCauseMessage("cannot bind");
    assertThat(broken.serialRead("p|s", "a").get()).isNull();
    assertThat(broken.inFlight("p|s")).isZero();
  }

  @Test
  void roundsAnsweredAtOnceDoNotHoldTheirPermits() throws Exception {
    FenceRounds<Set1, Integer> instant =
        new FenceRounds<>(paxos(updates -> CompletableFuture.completedFuture(Optional.empty())), 2, 3);
    for (int i = 0; i < 1_000; i++) {
      assertThat(instant.conditional("p|s", "a", new Set1("a", null, 1), row -> true).get().applied()).isTrue();
    }
    assertThat(instant.inFlight("p|s")).isZero();
  }

  @Test
  void permitsAndBatchSizeMustBePositive() {
    assertThatThrownBy(() -> new FenceRounds<>(store, 0, 3)).hasMessageContaining("fence-rounds-in-flight");
    assertThatThrownBy(() -> new FenceRounds<>(store, 1, 0)).hasMessageContaining("fence-round-max-batch");
  }
}
