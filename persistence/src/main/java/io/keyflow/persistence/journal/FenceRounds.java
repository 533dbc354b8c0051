package io.keyflow.persistence.journal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The Paxos rounds this node runs on the fence partitions: the epoch claims, the recorded starts and
 * the serial reads of the recoveries of one pipeline stage's key groups, one partition per stage.
 * Cassandra runs Paxos per partition, so concurrent rounds on one partition conflict and retry each
 * other: a node that recovers all its key groups at once (after a Cassandra restart, or when it takes
 * over a dead node's groups) used to send hundreds together, and most timed out.
 *
 * <p>Here they wait on the node, and leave together: at most {@code permits} rounds are in flight per
 * partition; when one answers, the conditional updates waiting for that partition leave as one
 * conditional batch (one Paxos round), and the serial reads waiting as one serial read of their rows.
 * Why that is the same protocol (docs/durability.md, "Fence rounds"):
 * <ul>
 *   <li>A batch holds at most one update per persistence id. Each update's condition and writes
 *       touch only that id's row, so a batch that applies is the same as its updates applied one
 *       after the other with nothing in between. Two updates of one row in one batch would both be
 *       judged against the row as it was, and both apply: never done.
 *   <li>A conditional batch applies whole or not at all. When it does not, Cassandra answers the
 *       current rows; an update whose own condition failed is answered "not applied" with its row,
 *       as it would have been alone, and the others wait for the next batch, at the head of the
 *       queue. When no update's condition can be seen to fail, each is sent alone once, so every
 *       update gets the answer it would have had alone.
 *   <li>A batch whose outcome is unknown (a timeout) fails every update in it: each caller settles
 *       its own outcome with a serial read, as it would have alone.
 * </ul>
 *
 * @param <T> a conditional update, as the {@link Paxos} runs it
 * @param <S> the state of one fence row as the {@link Paxos} reads it
 */
final class FenceRounds<T, S> {

  /** Runs the rounds: one conditional batch, or one serial read, on one partition. */
  interface Paxos<T, S> {
    /**
     * Applies {@code updates} (at most one per persistence id, in the order of {@code ids}) as one
     * conditional batch on {@code fenceKey}'s partition. Empty when it applied; else the current
     * rows of the ids, by persistence id (an id without a row is absent).
     */
    CompletionStage<Optional<Map<String, S>>> conditional(String fenceKey, List<String> ids, List<T> updates);

    /** The rows of {@code ids} on {@code fenceKey}'s partition, read at SERIAL (an id without a row is absent). */
    CompletionStage<Map<String, S>> serialRead(String fenceKey, Set<String> ids);
  }

  /** The answer to one conditional update: applied, or not, with its row as it was (null: none). */
  record Outcome<S>(boolean applied, S current) {}

  private final Paxos<T, S> paxos;
  private final int permits;
  private final int maxBatch;
  private final Map<String, Partition> partitions = new ConcurrentHashMap<>();

  /**
   * @param permits rounds in flight per partition at most (at least 1)
   * @param maxBatch updates, or reads, per round at most (at least 1)
   */
  FenceRounds(Paxos<T, S> paxos, int permits, int maxBatch) {
    if (permits < 1) {
      throw new IllegalArgumentException("fence-rounds-in-flight must be at least 1, was " + permits);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("fence-round-max-batch must be at least 1, was " + maxBatch);
    }
    this.paxos = paxos;
    this.permits = permits;
    this.maxBatch = maxBatch;
  }

  /**
   * Applies {@code update} of {@code id}'s row in a round on {@code fenceKey}'s partition.
   * {@code holds} tells from the row as it is (null: none) whether the update's condition holds; it
   * decides only which updates of a batch that did not apply go again, never whether one applied.
   */
  CompletableFuture<Outcome<S>> conditional(String fenceKey, String id, T update, Predicate<S> holds) {
    Update<T, S> u = new Update<>(id, update, holds, new CompletableFuture<>());
    partition(fenceKey).enqueue(u);
    return u.result;
  }

  /** {@code id}'s row on {@code fenceKey}'s partition, read at SERIAL in a round (null: none). */
  CompletableFuture<S> serialRead(String fenceKey, String id) {
    Read<S> r = new Read<>(id, new CompletableFuture<>());
    partition(fenceKey).enqueue(r);
    return r.result;
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

  private Partition partition(String fenceKey) {
    return partitions.computeIfAbsent(fenceKey, Partition::new);
  }

  private sealed interface Waiting permits Update, Read {}

  private record Update<T, S>(String id, T update, Predicate<S> holds, CompletableFuture<Outcome<S>> result)
      implements Waiting {}

  private record Read<S>(String id, CompletableFuture<S> result) implements Waiting {}

  private final class Partition {
    private final String fenceKey;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** Updates to send alone: they were in a batch that did not apply and whose answer blamed none. */
    private final Set<Update<T, S>> alone = new HashSet<>();
    private int inFlight;

    Partition(String fenceKey) {
      this.fenceKey = fenceKey;
    }

    void enqueue(Waiting w) {
      synchronized (this) {
        waiting.add(w);
      }
      drain();
    }

    /** Sends rounds while permits are free and something waits; the rounds leave outside the lock. */
    void drain() {
      while (true) {
        List<Waiting> round;
        synchronized (this) {
          if (inFlight >= permits || waiting.isEmpty()) {
            return;
          }
          round = take();
          inFlight++;
        }
        send(round);
      }
    }

    /** The next round: the serial reads waiting, or the updates waiting (one per id), from the head. */
    private List<Waiting> take() {
      Waiting head = waiting.peekFirst();
      List<Waiting> round = new ArrayList<>();
      if (head instanceof Update<?, ?> u && alone.remove(u)) {
        round.add(waiting.pollFirst());
        return round;
      }
      boolean reads = head instanceof Read<?>;
      Set<String> ids = new HashSet<>();
      for (Iterator<Waiting> it = waiting.iterator(); it.hasNext() && round.size() < maxBatch; ) {
        Waiting w = it.next();
        if (reads && w instanceof Read<?> r) {
          // Reads of one id share the answer.
          round.add(w);
          it.remove();
          ids.add(r.id());
        } else if (!reads && w instanceof Update<?, ?> u && !alone.contains(u) && ids.add(u.id())) {
          round.add(w);
          it.remove();
        }
      }
      return round;
    }

    @SuppressWarnings("unchecked")
    private void send(List<Waiting> round) {
      CompletionStage<?> sent;
      try {
        sent = round.get(0) instanceof Read<?> ? sendReads((List<Read<S>>) (List<?>) round)
            : sendUpdates((List<Update<T, S>>) (List<?>) round);
      } catch (RuntimeException e) {
        fail(round, e);
        sent = CompletableFuture.completedFuture(null);
      }
      sent.whenComplete((ignored, error) -> {
        synchronized (this) {
          inFlight--;
        }
        drain();
      });
    }

    private CompletionStage<?> sendReads(List<Read<S>> reads) {
      Set<String> ids = new LinkedHashSet<>();
      reads.forEach(r -> ids.add(r.id()));
      return paxos.serialRead(fenceKey, ids).whenComplete((rows, error) -> {
        for (Read<S> r : reads) {
          if (error != null) {
            r.result().completeExceptionally(error);
          } else {
            r.result().complete(rows.get(r.id()));
          }
        }
      });
    }

    private CompletionStage<?> sendUpdates(List<Update<T, S>> updates) {
      List<String> ids = updates.stream().map(Update::id).toList();
      List<T> statements = updates.stream().map(Update::update).toList();
      return paxos.conditional(fenceKey, ids, statements).whenComplete((answer, error) -> {
        if (error != null) {
          fail(updates, error);
        } else if (answer.isEmpty()) {
          updates.forEach(u -> u.result().complete(new Outcome<>(true, null)));
        } else {
          settleNotApplied(updates, answer.get());
        }
      });
    }

    /** A batch that did not apply: answer the updates whose condition failed, send the others again. */
    private void settleNotApplied(List<Update<T, S>> updates, Map<String, S> rows) {
      List<Update<T, S>> again = new ArrayList<>();
      for (Update<T, S> u : updates) {
        S current = rows.get(u.id());
        if (updates.size() == 1 || !u.holds().test(current)) {
          u.result().complete(new Outcome<>(false, current));
        } else {
          again.add(u);
        }
      }
      synchronized (this) {
        if (again.size() == updates.size()) {
          // No update's failed condition can be seen: each goes alone, for the answer it would have had.
          alone.addAll(again);
        }
        for (int i = again.size() - 1; i >= 0; i--) {
          waiting.addFirst(again.get(i));
        }
      }
    }

    private void fail(List<? extends Waiting> round, Throwable error) {
      for (Waiting w : round) {
        if (w instanceof Update<?, ?> u) {
          u.result().completeExceptionally(error);
        } else if (w instanceof Read<?> r) {
          r.result().completeExceptionally(error);
        }
      }
    }
  }
}
