package io.keyflow.persistence.journal;

import java.util.Collection;
import java.util.EnumSet;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The decisions of the epoch-fenced journal that involve no I/O: which rows are valid, and where a
 * new owner of a persistence id starts writing. {@link FencedCassandraJournal} and the model test of
 * the protocol ({@code EpochProtocolModelTest}) both use this class, so the model checks the rules
 * the journal runs. The protocol and its safety argument are in {@code docs/durability.md}.
 *
 * <p>Vocabulary: every recovery of a persistence id claims the next <em>epoch</em> (a number, by a
 * lightweight transaction on the fence row); the new owner then records the <em>start</em> of its
 * epoch, the first sequence number it may write. {@code starts} maps each epoch that recorded a
 * start to that start. A journal row is identified by (sequence number, epoch) and written once.
 *
 * <p>{@link Rule} names each rule so the model test can drop one and find the counterexample that
 * rule prevents; the journal always runs {@link #ALL}.
 */
public final class EpochRules {

  /** The rules of the protocol that a mutation check can drop one at a time. */
  public enum Rule {
    /**
     * A row is valid only from its epoch's recorded start on; an epoch with no start owns no rows.
     * The second half also covers epochs claimed after a recovery read the fence: a recovery that
     * lost its epoch while reading (it will fail to record its start) must not refuse over rows of
     * an owner it cannot see.
     */
    VALID_FROM_START,
    /** A row is valid only below the smallest recorded start of any later epoch. */
    VALID_BELOW_LATER_START,
    /**
     * A missing sequence number below the highest recorded start fails recovery: an owner started
     * above it, so it was valid once and is lost (defence in depth against data lost below QUORUM).
     */
    GAP_FAILS,
    /** Recovery from a snapshot older than the journal's deletion point fails (retry from a newer one). */
    DELETED_FAILS,
    /** Every recovery claims a new epoch by a lightweight transaction (writer side). */
    CLAIM_EPOCH,
    /**
     * The owner records its start, conditioned on its epoch, before its first write (writer side).
     * Dropping it also drops {@link #VALID_FROM_START}, which needs recorded starts.
     */
    RECORD_START,
    /** A write completes only after a fence read sent after its rows landed still shows its epoch. */
    CONFIRM_EPOCH,
    /** A write completes only after all earlier rows of its epoch landed (writer side). */
    CONFIRM_IN_ORDER,
    /** Rows and the deletion point are written and read at QUORUM with blocking read repair (store side). */
    QUORUM
  }

  public static final EpochRules ALL = new EpochRules(EnumSet.noneOf(Rule.class));

  private final Set<Rule> dropped;

  private EpochRules(Set<Rule> dropped) {
    this.dropped = dropped;
  }

  /** These rules without {@code rule}: for the model test's mutation check only. */
  public static EpochRules without(Rule rule) {
    return new EpochRules(EnumSet.of(rule));
  }

  public boolean has(Rule rule) {
    return !dropped.contains(rule);
  }

  /**
   * Whether row (seq, epoch) is valid: {@code starts[epoch] <= seq < starts[e']} for every later
   * epoch {@code e'} that recorded a start.
   */
  public boolean valid(long seq, long epoch, NavigableMap<Long, Long> starts) {
    // Without recorded starts (the RECORD_START mutant) this rule would void every row; the mutant
    // asks what recorded starts buy, so validity then ignores them.
    if (has(Rule.VALID_FROM_START) && has(Rule.RECORD_START)) {
      Long start = starts.get(epoch);
      if (start == null || seq < start) {
        return false;
      }
    }
    if (has(Rule.VALID_BELOW_LATER_START)) {
      for (long laterStart : starts.tailMap(epoch, false).values()) {
        if (seq >= laterStart) {
          return false;
        }
      }
    }
    return true;
  }

  /** A row as recovery saw it. */
  public record RowId(long seq, long epoch) {}

  /**
   * What a recovery found: the valid row of every sequence number from {@code from} to
   * {@code start - 1} (sequence number → epoch), and the new owner's {@code start}.
   */
  public record Recovery(NavigableMap<Long, Long> valid, long start) {
    public long highest() {
      return start - 1;
    }
  }

  /** Recovery cannot proceed; the message says why. */
  public static class RecoveryRefused extends RuntimeException {
    RecoveryRefused(String message) {
      super(message);
    }
  }

  /** The snapshot recovery started from is older than the journal's deletion point: retry. */
  public static final class DeletedBelowSnapshot extends RecoveryRefused {
    DeletedBelowSnapshot(String message) {
      super(message);
    }
  }

  /**
   * Decides a recovery. {@code rows} are all rows with sequence number ≥ {@code from} that a QUORUM
   * read returned after this owner claimed its epoch; {@code starts} the fence row's recorded starts
   * as they stood when the claim applied; {@code deletedTo} the deletion point read at QUORUM after the
   * rows (deletion writes it before removing rows, so a read that missed deleted rows sees it).
   *
   * @throws DeletedBelowSnapshot when rows from {@code from} on may have been deleted
   * @throws RecoveryRefused when a row below the highest recorded start is missing (lost rows: never
   *     continue over them)
   */
  public Recovery recover(String pid, long from, Collection<RowId> rows, NavigableMap<Long, Long> starts,
      long deletedTo) {
    TreeMap<Long, Long> valid = new TreeMap<>();
    for (RowId row : rows) {
      if (row.seq() < from || !valid(row.seq(), row.epoch(), starts)) {
        continue;
      }
      Long other = valid.putIfAbsent(row.seq(), row.epoch());
      if (other != null && other != row.epoch()) {
        throw new RecoveryRefused("journal of " + pid + " has two valid rows at sequence number " + row.seq()
            + " (epochs " + other + " and " + row.epoch() + "): the fence was bypassed; refusing to recover");
      }
    }
    long start = from;
    while (valid.containsKey(start)) {
      start++;
    }
    if (has(Rule.DELETED_FAILS) && from <= deletedTo) {
      throw new DeletedBelowSnapshot("journal of " + pid + " is deleted up to " + deletedTo
          + " but recovery started at " + from + " (from an older snapshot than the one the deletion"
          + " followed): recovering again loads the newer snapshot");
    }
    if (has(Rule.GAP_FAILS)) {
      long highestStart = starts.values().stream().mapToLong(Long::longValue).max().orElse(0);
      if (start < highestStart) {
        throw new RecoveryRefused("journal of " + pid + " misses sequence number " + start
            + " although an owner started writing at " + highestStart
            + ": acknowledged rows were lost or removed behind Keyflow's back; refusing to recover");
      }
    }
    // Rows after the first missing sequence number were never acknowledged (a write completes only
    // after all earlier rows of its epoch landed); this owner's start makes them invalid for good.
    return new Recovery(new TreeMap<>(valid.headMap(start, false)), start);
  }
}
