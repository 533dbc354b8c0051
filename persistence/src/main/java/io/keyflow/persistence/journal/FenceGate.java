package io.keyflow.persistence.journal;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Bounds the Paxos rounds this node has in flight on one fence partition: the claims, the recorded
 * starts and the serial reads of the recoveries of one pipeline stage's key groups. Cassandra runs
 * Paxos per partition, so concurrent rounds on one partition conflict and retry each other; a node
 * that recovers all its key groups at once (after a Cassandra restart) used to send hundreds of them
 * together and see most fail as contention timeouts, for about 40 s (docs/durability.md, "Costs").
 * Here they queue on the node instead, first come first served, at most {@code permits} at a time.
 *
 * <p>Only pacing: every round still runs, unchanged, so the protocol and its safety argument are
 * untouched.
 */
final class FenceGate {

  private final int permits;
  private final Map<String, Partition> partitions = new ConcurrentHashMap<>();

  /** @param permits rounds in flight per partition at most (at least 1) */
  FenceGate(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("fence-rounds-in-flight must be at least 1, was " + permits);
    }
    this.permits = permits;
  }

  /**
   * Starts {@code round} now if fewer than {@code permits} rounds of {@code fenceKey} are in flight,
   * else when one of them completes; the result completes with the round's. A round that throws
   * instead of returning a stage completes exceptionally and frees its permit.
   */
  <T> CompletableFuture<T> run(String fenceKey, Supplier<? extends CompletionStage<T>> round) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Partition partition = partitions.computeIfAbsent(fenceKey, k -> new Partition());
    partition.submit(() -> {
      CompletionStage<T> started;
      try {
        started = round.get();
      } catch (RuntimeException e) {
        started = CompletableFuture.failedFuture(e);
      }
      started.whenComplete((value, error) -> {
        partition.release();
        if (error != null) {
          result.completeExceptionally(error);
        } else {
          result.complete(value);
        }
      });
    });
    return result;
  }

  /** Rounds of {@code fenceKey} in flight now (for tests). */
  int inFlight(String fenceKey) {
    Partition partition = partitions.get(fenceKey);
    if (partition == null) {
      return 0;
    }
    synchronized (partition) {
      return partition.inFlight;
    }
  }

  private final class Partition {
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private int inFlight;

    void submit(Runnable start) {
      synchronized (this) {
        if (inFlight >= permits) {
          waiting.add(start);
          return;
        }
        inFlight++;
      }
      start.run();
    }

    void release() {
      Runnable next;
      synchronized (this) {
        next = waiting.poll();
        if (next == null) {
          inFlight--;
          return;
        }
      }
      // The permit passes to the next round; it starts outside the lock.
      next.run();
    }
  }
}
