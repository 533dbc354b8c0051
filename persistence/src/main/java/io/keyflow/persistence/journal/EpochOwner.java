package io.keyflow.persistence.journal;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * This journal's ownership of one persistence id, from its recovery on: the epoch it claimed, the
 * starts it may rely on, and where its writes stand. Writes and deletions are accepted only from
 * the owner that recovered on this journal instance.
 */
final class EpochOwner {

  final long epoch;
  final String fenceKey;
  /** The recorded starts as this owner knows them: those at its claim, and its own. */
  final NavigableMap<Long, Long> starts;
  /** Whether its recovery found rows in the table of the previous format (then deletions go there too). */
  final boolean legacyRows;
  /** The segment this owner's index entries name last; guarded by this. */
  UUID indexed;
  /** The next sequence number to write; guarded by this. */
  long next;
  /** Completes when all rows written so far have landed; guarded by this. */
  CompletableFuture<Void> landed = CompletableFuture.completedFuture(null);
  /** Set by a failed write: nothing more is written until the entity recovers again. */
  volatile Throwable failed;

  EpochOwner(long epoch, String fenceKey, long start, NavigableMap<Long, Long> claimedStarts, boolean legacyRows) {
    this.epoch = epoch;
    this.fenceKey = fenceKey;
    this.next = start;
    TreeMap<Long, Long> known = new TreeMap<>(claimedStarts);
    known.put(epoch, start);
    this.starts = Collections.unmodifiableNavigableMap(known);
    this.legacyRows = legacyRows;
  }
}
