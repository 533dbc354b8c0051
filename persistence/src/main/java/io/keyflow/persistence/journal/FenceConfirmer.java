package io.keyflow.persistence.journal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Shares the confirmation reads of the epoch-fenced journal: a write of persistence id {@code p} at
 * epoch {@code e} completes only once a QUORUM read of {@code p}'s fence partition, sent after the
 * write's rows landed, still shows epoch {@code e} (see {@code docs/durability.md}). A read asks
 * only for the rows of the persistence ids it confirms, not for the whole partition.
 *
 * <p>At most one read per fence partition is in flight. A confirmation asked for while a read is in
 * flight waits for the next read, which is sent as soon as the current one answers and then
 * confirms everything that gathered meanwhile: under load one read confirms the writes of all key
 * groups of a pipeline stage on this node, and an idle partition costs one read per write. A read
 * is never shared with a confirmation asked for after it was sent, which is what makes it valid.
 */
final class FenceConfirmer {

  private final BiFunction<String, Set<String>, CompletionStage<Map<String, Long>>> readEpochs;
  private final Map<String, Partition> partitions = new ConcurrentHashMap<>();

  /**
   * @param readEpochs QUORUM read of the given persistence ids' rows of one fence partition:
   *     persistence id → its current epoch (an id without a row is absent)
   */
  FenceConfirmer(BiFunction<String, Set<String>, CompletionStage<Map<String, Long>>> readEpochs) {
    this.readEpochs = readEpochs;
  }

  /**
   * Completes when a read sent from now on shows {@code epoch} for {@code persistenceId}; fails
   * with {@link FencedCassandraJournal.WriterConflictException} if it shows another epoch, or with
   * the read's failure.
   */
  CompletableFuture<Void> confirm(String fenceKey, String persistenceId, long epoch) {
    Pending pending = new Pending(persistenceId, epoch, new CompletableFuture<>());
    partitions.computeIfAbsent(fenceKey, Partition::new).add(pending);
    return pending.done;
  }

  private record Pending(String persistenceId, long epoch, CompletableFuture<Void> done) {}

  private final class Partition {
    private final String fenceKey;
    private List<Pending> waiting = new ArrayList<>();
    private boolean reading;

    Partition(String fenceKey) {
      this.fenceKey = fenceKey;
    }

    void add(Pending pending) {
      List<Pending> batch;
      synchronized (this) {
        waiting.add(pending);
        if (reading) {
          return;
        }
        reading = true;
        batch = takeWaiting();
      }
      read(batch);
    }

    private List<Pending> takeWaiting() {
      List<Pending> batch = waiting;
      waiting = new ArrayList<>();
      return batch;
    }

    private void read(List<Pending> batch) {
      CompletionStage<Map<String, Long>> read;
      try {
        Set<String> ids = new LinkedHashSet<>();
        for (Pending pending : batch) {
          ids.add(pending.persistenceId);
        }
        read = readEpochs.apply(fenceKey, ids);
      } catch (RuntimeException e) {
        read = CompletableFuture.failedFuture(e);
      }
      read.whenComplete((epochs, error) -> {
        for (Pending pending : batch) {
          if (error != null) {
            pending.done.completeExceptionally(error);
            continue;
          }
          Long found = epochs.get(pending.persistenceId);
          if (found != null && found == pending.epoch) {
            pending.done.complete(null);
          } else {
            pending.done.completeExceptionally(
                new FencedCassandraJournal.WriterConflictException(pending.persistenceId, pending.epoch, found));
          }
        }
        List<Pending> next;
        synchronized (this) {
          if (waiting.isEmpty()) {
            reading = false;
            return;
          }
          next = takeWaiting();
        }
        read(next);
      });
    }
  }
}
