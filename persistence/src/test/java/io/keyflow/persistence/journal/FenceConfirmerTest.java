package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The sharing of confirmation reads, with reads answered by hand (one per fence partition in flight). */
class FenceConfirmerTest {

  private record Read(String fenceKey, Set<String> ids, CompletableFuture<Map<String, Long>> answer) {}

  private final List<Read> reads = new ArrayList<>();
  private final FenceConfirmer confirmer = new FenceConfirmer((key, ids) -> {
    Read read = new Read(key, Set.copyOf(ids), new CompletableFuture<>());
    reads.add(read);
    return read.answer();
  });

  @Test
  void aConfirmationAskedWhileAReadIsInFlightWaitsForTheNextRead() {
    CompletableFuture<Void> first = confirmer.confirm("p|s", "p|s|1", 3);
    assertThat(reads).hasSize(1);
    // Asked after the first read was sent: that read may predate this write's rows.
    CompletableFuture<Void> second = confirmer.confirm("p|s", "p|s|2", 5);
    CompletableFuture<Void> third = confirmer.confirm("p|s", "p|s|1", 3);
    assertThat(reads).hasSize(1);

    reads.get(0).answer().complete(Map.of("p|s|1", 3L, "p|s|2", 5L));
    assertThat(first).isCompleted();
    assertThat(second).isNotDone();
    assertThat(third).isNotDone();
    assertThat(reads).as("one read for everything that gathered").hasSize(2);
    assertThat(reads.get(0).ids()).as("a read asks for the rows it confirms").containsExactly("p|s|1");
    assertThat(reads.get(1).ids()).containsExactlyInAnyOrder("p|s|1", "p|s|2");

    reads.get(1).answer().complete(Map.of("p|s|1", 3L, "p|s|2", 5L));
    assertThat(second).isCompleted();
    assertThat(third).isCompleted();
    assertThat(reads).hasSize(2);
  }

  @Test
  void anotherEpochFailsTheWriteAsAConflict() {
    CompletableFuture<Void> stale = confirmer.confirm("p|s", "p|s|1", 3);
    CompletableFuture<Void> fine = confirmer.confirm("q|s", "q|s|1", 1);
    assertThat(reads).extracting(Read::fenceKey).containsExactly("p|s", "q|s");
    reads.get(0).answer().complete(Map.of("p|s|1", 4L));
    reads.get(1).answer().complete(Map.of("q|s|1", 1L));
    assertThat(fine).isCompleted();
    assertThat(stale).isCompletedExceptionally();
    try {
      stale.get();
    } catch (InterruptedException | ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(FencedCassandraJournal.WriterConflictException.class)
          .hasMessageContaining("owned by epoch 4");
    }
  }

  @Test
  void aFailedReadFailsItsWritesAndTheNextWriteSendsANewRead() {
    CompletableFuture<Void> first = confirmer.confirm("p|s", "p|s|1", 1);
    reads.get(0).answer().completeExceptionally(new IllegalStateException("timeout"));
    assertThat(first).isCompletedExceptionally();
    CompletableFuture<Void> next = confirmer.confirm("p|s", "p|s|1", 1);
    assertThat(reads).hasSize(2);
    reads.get(1).answer().complete(Map.of("p|s|1", 1L));
    assertThat(next).isCompleted();
  }

  @Test
  void aPersistenceIdWithoutAFenceRowIsNotConfirmed() {
    CompletableFuture<Void> write = confirmer.confirm("p|s", "p|s|9", 1);
    reads.get(0).answer().complete(Map.of());
    assertThat(write).isCompletedExceptionally();
  }
}
