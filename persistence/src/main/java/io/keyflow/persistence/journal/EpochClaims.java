package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import io.keyflow.persistence.journal.FencedCassandraJournal.WriterConflictException;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The fencing half of a recovery (docs/durability.md, "The protocol", steps 1, 2 and 6): claim the persistence id's
 * next epoch with a lightweight transaction on its fence row, and record the new owner's start
 * before its first write. Every lightweight transaction and serial read of a stage goes through one
 * {@link FenceRounds} per fence partition, so a node recovering hundreds of key groups at once sends
 * a few conditional batches instead of hundreds of conflicting Paxos rounds. An unknown outcome is
 * always settled by a serial read of the row, never by retrying blindly.
 */
final class EpochClaims {

  private static final int MAX_CLAIM_ATTEMPTS = 20;
  /** A lost claim waits a random 1 ms to attempt × this (at most 8 ×) before the next. */
  private static final long CLAIM_BACKOFF_MS = 10;

  private final JournalSettings settings;
  private final JournalSession cql;
  private final FenceRounds<BoundStatement, Fence> rounds;

  EpochClaims(JournalSettings settings, JournalSession cql) {
    this.settings = settings;
    this.cql = cql;
    // A conditional update is bound from the prepared statements, so only the serial read waits for them.
    this.rounds = new FenceRounds<>(new FencePaxos(cql::executeAsIs,
        cql.statements().thenApply(JournalStatements::selectFences), settings.profile(), settings.consistency(),
        settings.serialConsistency()), settings.fenceRoundsInFlight(), settings.fenceRoundMaxBatch());
  }

  /** The fence row of {@code pid}: a plain read at a non-serial level, a Paxos round (with the claims) at a serial one. */
  CompletionStage<Fence> readFence(JournalStatements st, String pid, String fenceKey, ConsistencyLevel consistency) {
    if (consistency.isSerial()) {
      // A serial read is a Paxos round on the partition: with the claims (FenceRounds).
      return rounds.serialRead(fenceKey, pid).thenApply(Fence::orNone);
    }
    return cql.execute(st.selectFence().bind(fenceKey, pid), consistency).thenApply(r -> Fence.of(r.one()));
  }

  /** The fence a recovery claimed: its epoch, and the starts as they stood when the claim applied. */
  record Claimed(long epoch, NavigableMap<Long, Long> starts) {}

  /**
   * Claims the epoch after the current one. The first guess of the current fence is a plain QUORUM
   * read; the claim is conditioned on the epoch and on that epoch's start, the only entry its owner
   * may still add, so the starts read are exactly those at the claim. A claim that does not apply
   * returns the current fence, which the next attempt uses; an unknown outcome is settled by a serial
   * read of the owner. Lost claims back off a random while (a failover claims dozens of rows of one
   * partition at once).
   */
  CompletionStage<Claimed> claim(JournalStatements st, String pid, String fenceKey, UUID claimId) {
    return readFence(st, pid, fenceKey, settings.consistency())
        .thenCompose(current -> claim(st, pid, fenceKey, claimId, current, 1));
  }

  private CompletionStage<Claimed> claim(JournalStatements st, String pid, String fenceKey, UUID claimId, Fence current,
      int attempt) {
    if (attempt > MAX_CLAIM_ATTEMPTS) {
      return CompletableFuture.failedFuture(new WriterConflictException("journal of " + pid + ": "
          + MAX_CLAIM_ATTEMPTS + " claims of its next epoch lost to other writers; giving up this recovery"));
    }
    long epoch = current.epoch() + 1;
    Long startOfCurrent = current.starts().get(current.epoch());
    BoundStatement claim = current.epoch() == 0
        ? st.claimFirst().bind(fenceKey, pid, claimId)
        : st.claimNext().bind(epoch, claimId, fenceKey, pid, current.epoch(), current.epoch(), startOfCurrent);
    Predicate<Fence> holds = current.epoch() == 0
        ? row -> row == null
        : row -> row != null && row.epoch() == current.epoch()
            && Objects.equals(row.starts().get(current.epoch()), startOfCurrent);
    CompletableFuture<Claimed> claimed = new CompletableFuture<>();
    rounds.conditional(fenceKey, pid, claim, holds).whenComplete((outcome, error) -> {
      if (error == null && outcome.applied()) {
        claimed.complete(new Claimed(epoch, current.starts()));
        return;
      }
      CompletionStage<Fence> now = error == null
          ? CompletableFuture.completedFuture(Fence.orNone(outcome.current()))
          // Unknown outcome: the serial read of the owner tells whether this claim applied.
          : readFence(st, pid, fenceKey, settings.serialConsistency());
      now.whenComplete((after, readError) -> {
        if (readError != null) {
          claimed.completeExceptionally(error != null ? error : readError);
        } else if (claimId.equals(after.owner())) {
          claimed.complete(new Claimed(after.epoch(), after.starts()));
        } else {
          long pause = ThreadLocalRandom.current().nextLong(1, CLAIM_BACKOFF_MS * Math.min(attempt, 8) + 1);
          CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS))
              .thenCompose(ignored -> claim(st, pid, fenceKey, claimId, after, attempt + 1))
              .whenComplete((c, again) -> {
                if (again != null) {
                  claimed.completeExceptionally(again);
                } else {
                  claimed.complete(c);
                }
              });
        }
      });
    });
    return claimed;
  }

  CompletionStage<Void> recordStart(JournalStatements st, String pid, String fenceKey, long epoch, long start) {
    CompletableFuture<Void> recorded = new CompletableFuture<>();
    rounds.conditional(fenceKey, pid, st.recordStart().bind(epoch, start, fenceKey, pid, epoch),
        row -> row != null && row.epoch() == epoch).whenComplete((outcome, error) -> {
      if (error == null) {
        if (outcome.applied()) {
          recorded.complete(null);
        } else {
          recorded.completeExceptionally(new WriterConflictException(pid, epoch,
              outcome.current() == null ? null : outcome.current().epoch()));
        }
        return;
      }
      readFence(st, pid, fenceKey, settings.serialConsistency()).whenComplete((after, readError) -> {
        if (readError != null) {
          recorded.completeExceptionally(error);
        } else if (after.epoch() != epoch) {
          recorded.completeExceptionally(new WriterConflictException(pid, epoch, after.epoch()));
        } else if (Long.valueOf(start).equals(after.starts().get(epoch))) {
          recorded.complete(null);
        } else {
          recordStart(st, pid, fenceKey, epoch, start).whenComplete((ignored, again) -> {
            if (again != null) {
              recorded.completeExceptionally(again);
            } else {
              recorded.complete(null);
            }
          });
        }
      });
    });
    return recorded;
  }
}
