package io.keyflow.persistence.journal;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Bounds the Paxos rounds this node has in flight on one fence partition: the claims, the recorded
 * starts and the serial reads of the recoveries of one pipeline stage's key groups. Cassandra runs
 * Paxos per partition, so concurrent rounds on one partition conflict and retry each other; a node
 * that recovers all its key groups at once (after a Cassandra restart) used to send hundreds of them
 * together and see most fail as contention timeouts, for about 40 s (docs/durability.md, "Costs").
 * Here they queue on the node instead, first come first served, at most {@code permits} at a time.
 *
 * <p>A round that waited longer than {@code maxWaitNanos} for its turn fails without running: the
 * recovery that asked for it has timed out meanwhile (the journal's circuit breaker gives a call
 * 10 s), and running its rounds anyway would only delay the recoveries still waiting.
 *
 * <p>Only pacing: every round that runs is unchanged, and one that does not run fails like a round
 * that timed out, which every caller already handles; the protocol and its safety argument are
 * untouched.
 */
final class FenceGate {

  private final int permits;
  private final long maxWaitNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Partition> partitions = new ConcurrentHashMap<>();

  /**
   * @param permits rounds in flight per partition at most (at least 1)
   * @param maxWaitNanos how long a round may wait for its turn before it fails unrun
   */
  FenceGate(int permits, long maxWaitNanos, LongSupplier nanoTime) {
    if (permits < 1) {
      throw new IllegalArgumentException("fence-rounds-in-flight must be at least 1, was " + permits);
    }
    this.permits = permits;
    this.maxWaitNanos = maxWaitNanos;
    this.nanoTime = nanoTime;
  }

  /**
   * Starts {@code round} now if fewer than {@code permits} rounds of {@code fenceKey} are in flight,
   * else when one of them completes; the result completes with the round's. A round that throws
   * instead of returning a stage completes exceptionally and frees its permit.
   */
  <T> CompletableFuture<T> run(String fenceKey, Supplier<? extends CompletionStage<T>> round) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Partition partition = partitions.computeIfAbsent(fenceKey, k -> new Partition());
    long askedAt = nanoTime.getAsLong();
    partition.submit(result, askedAt, () -> {
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

  private record Waiting(CompletableFuture<?> result, long askedAt, Runnable start) {}

  private final class Partition {
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private int inFlight;

    void submit(CompletableFuture<?> result, long askedAt, Runnable start) {
      synchronized (this) {
        if (inFlight >= permits) {
          waiting.add(new Waiting(result, askedAt, start));
          return;
        }
        inFlight++;
      }
      start.run();
    }

    void release() {
      while (true) {
        Waiting next;
        synchronized (this) {
          next = waiting.poll();
          if (next == null) {
            inFlight--;
            return;
          }
        }
        long waited = nanoTime.getAsLong() - next.askedAt();
        if (waited <= maxWaitNanos) {
          // The permit passes to the next round; it starts outside the lock.
          next.start().run();
          return;
        }
        next.result().completeExceptionally(new TimeoutException("waited " + TimeUnit.NANOSECONDS.toMillis(waited)
            + " ms for its turn on the fence partition (fence-round-max-wait); not sent"));
      }
    }
  }
}
