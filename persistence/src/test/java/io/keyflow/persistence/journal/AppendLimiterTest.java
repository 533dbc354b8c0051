package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class AppendLimiterTest {

  @Test
  void startsAtMostPermitsAndTheRestInArrivalOrderAsPermitsFree() {
    AppendLimiter limiter = new AppendLimiter(2);
    List<Integer> started = new ArrayList<>();
    List<CompletableFuture<String>> appends = new ArrayList<>();
    List<CompletionStage<String>> results = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      int n = i;
      CompletableFuture<String> append = new CompletableFuture<>();
      appends.add(append);
      results.add(limiter.submit(() -> {
        started.add(n);
        return append;
      }));
    }
    assertThat(started).containsExactly(0, 1);
    assertThat(limiter.waiting()).isEqualTo(3);

    appends.get(1).complete("one");
    assertThat(started).containsExactly(0, 1, 2);
    assertThat(results.get(1).toCompletableFuture()).isCompletedWithValue("one");

    appends.get(0).completeExceptionally(new IllegalStateException("conflict"));
    assertThat(started).containsExactly(0, 1, 2, 3);
    assertThat(results.get(0).toCompletableFuture()).isCompletedExceptionally();

    appends.get(2).complete("two");
    appends.get(3).complete("three");
    assertThat(started).containsExactly(0, 1, 2, 3, 4);
    assertThat(limiter.waiting()).isZero();
    appends.get(4).complete("four");
    assertThat(results.get(4).toCompletableFuture()).isCompletedWithValue("four");
  }

  @Test
  void anAppendThatThrowsBeforeItStartsFailsItsStageAndReturnsItsPermit() throws Exception {
    AppendLimiter limiter = new AppendLimiter(1);
    CompletionStage<String> failed = limiter.submit(() -> {
      throw new IllegalArgumentException("spans two partitions");
    });
    assertThatThrownBy(() -> failed.toCompletableFuture().get()).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalArgumentException.class);
    assertThat(limiter.submit(() -> CompletableFuture.completedFuture("next")).toCompletableFuture().get())
        .isEqualTo("next");
  }

  @Test
  void firstAppendsAfterRecoveryGoAheadOfTheOthersInTheirOwnOrder() {
    AppendLimiter limiter = new AppendLimiter(1);
    List<String> started = new ArrayList<>();
    List<CompletableFuture<String>> appends = new ArrayList<>();
    for (String name : List.of("running", "waiting-1", "recovered-1", "waiting-2", "recovered-2")) {
      CompletableFuture<String> append = new CompletableFuture<>();
      appends.add(append);
      limiter.submit(() -> {
        started.add(name);
        return append;
      }, name.startsWith("recovered"));
    }
    assertThat(limiter.waiting()).isEqualTo(4);
    for (int i = 0; i < 5; i++) {
      appends.get(List.of("running", "waiting-1", "recovered-1", "waiting-2", "recovered-2").indexOf(started.get(i)))
          .complete("done");
    }
    assertThat(started).containsExactly("running", "recovered-1", "recovered-2", "waiting-1", "waiting-2");
    assertThat(limiter.waiting()).isZero();
  }

  @Test
  void refusesFewerThanOnePermit() {
    assertThatThrownBy(() -> new AppendLimiter(0)).hasMessageContaining("max-concurrent-appends");
  }
}
