package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The pacing of Paxos rounds per fence partition, with rounds answered by hand. */
class FenceGateTest {

  private final FenceGate gate = new FenceGate(2);
  private final List<String> started = new ArrayList<>();
  private final List<CompletableFuture<String>> answers = new ArrayList<>();

  private CompletableFuture<String> round(String fenceKey, String name) {
    return gate.run(fenceKey, () -> {
      started.add(name);
      CompletableFuture<String> answer = new CompletableFuture<>();
      answers.add(answer);
      return answer;
    });
  }

  @Test
  void roundsBeyondThePermitsWaitAndStartInOrderAsOthersComplete() throws Exception {
    CompletableFuture<String> a = round("p|s", "a");
    CompletableFuture<String> b = round("p|s", "b");
    CompletableFuture<String> c = round("p|s", "c");
    CompletableFuture<String> d = round("p|s", "d");
    assertThat(started).containsExactly("a", "b");
    assertThat(gate.inFlight("p|s")).isEqualTo(2);

    answers.get(1).complete("B");
    assertThat(b.get()).isEqualTo("B");
    assertThat(started).containsExactly("a", "b", "c");
    assertThat(a).isNotDone();

    answers.get(0).completeExceptionally(new IllegalStateException("timeout"));
    assertThatThrownBy(a::get).isInstanceOf(ExecutionException.class).hasRootCauseMessage("timeout");
    assertThat(started).as("a failed round frees its permit too").containsExactly("a", "b", "c", "d");

    answers.get(2).complete("C");
    answers.get(3).complete("D");
    assertThat(c.get()).isEqualTo("C");
    assertThat(d.get()).isEqualTo("D");
    assertThat(gate.inFlight("p|s")).isZero();
  }

  @Test
  void partitionsArePacedApart() {
    round("p|s", "a");
    round("p|s", "b");
    round("p|t", "x");
    round("q|s", "y");
    round("p|s", "c");
    assertThat(started).containsExactly("a", "b", "x", "y");
  }

  @Test
  void aRoundThatThrowsFailsAndFreesItsPermit() throws Exception {
    CompletableFuture<String> broken = gate.run("p|s", () -> {
      throw new IllegalArgumentException("cannot bind");
    });
    assertThatThrownBy(broken::get).hasRootCauseMessage("cannot bind");
    round("p|s", "a");
    round("p|s", "b");
    assertThat(started).containsExactly("a", "b");
  }

  @Test
  void aRoundCompletedAtOnceDoesNotHoldItsPermit() throws Exception {
    for (int i = 0; i < 1_000; i++) {
      assertThat(gate.run("p|s", () -> CompletableFuture.completedFuture("done")).get()).isEqualTo("done");
    }
    assertThat(gate.inFlight("p|s")).isZero();
  }

  @Test
  void atLeastOnePermit() {
    assertThatThrownBy(() -> new FenceGate(0)).hasMessageContaining("fence-rounds-in-flight");
  }
}
