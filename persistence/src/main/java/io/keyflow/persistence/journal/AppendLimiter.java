package io.keyflow.persistence.journal;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * At most {@code permits} appends in flight to Cassandra at once; the rest wait here, in arrival
 * order. Every journal append is a lightweight transaction: a single Cassandra node on two cores
 * given one per key group at once (128 and more) answers each of them late, the driver times them
 * out and the key groups restart and replay — a few at a time, each finds its turn quickly, and
 * the key groups' group commit gathers what arrives meanwhile into fewer, larger appends. An append
 * waiting here has not been sent, so its driver timeout has not started either. The queue is bounded
 * by the key groups of the node: each has at most one append in flight or waiting.
 *
 * <p>The first append of a key group after its recovery goes ahead of the others waiting: that key
 * group has just moved or restarted, and its clients have been waiting the longest (first appends
 * keep their order among themselves).
 */
final class AppendLimiter {

  private final int permits;
  private final Queue<Runnable> waiting = new ArrayDeque<>();
  private final Queue<Runnable> first = new ArrayDeque<>();
  private int running;

  AppendLimiter(int permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("keyflow.journal.max-concurrent-appends must be at least 1, was " + permits);
    }
    this.permits = permits;
  }

  /** Runs {@code append} once a permit is free; the permit is returned when its stage completes. */
  <T> CompletionStage<T> submit(Supplier<CompletionStage<T>> append) {
    return submit(append, false);
  }

  /** As {@link #submit(Supplier)}; {@code afterRecovery} appends wait only behind each other. */
  <T> CompletionStage<T> submit(Supplier<CompletionStage<T>> append, boolean afterRecovery) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable start = () -> {
      CompletionStage<T> stage;
      try {
        stage = append.get();
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((value, failure) -> {
        release();
        if (failure != null) {
          result.completeExceptionally(failure);
        } else {
          result.complete(value);
        }
      });
    };
    boolean now;
    synchronized (this) {
      now = running < permits;
      if (now) {
        running++;
      } else if (afterRecovery) {
        first.add(start);
      } else {
        waiting.add(start);
      }
    }
    if (now) {
      start.run();
    }
    return result;
  }

  private void release() {
    Runnable next;
    synchronized (this) {
      next = first.isEmpty() ? waiting.poll() : first.poll();
      if (next == null) {
        running--;
      }
    }
    if (next != null) {
      next.run();
    }
  }

  synchronized int waiting() {
    return waiting.size() + first.size();
  }
}
