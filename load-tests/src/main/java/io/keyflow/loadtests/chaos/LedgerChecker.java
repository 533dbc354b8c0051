package io.keyflow.loadtests.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Compares what clients were told (a ledger of acknowledged per-key sequence numbers) with what the
 * cluster holds (per key: count, sum, min and max of the sequence numbers it applied, read back
 * over HTTP). Like Jepsen's set checker, reduced to aggregates the pipeline computes itself:
 * fewer than acknowledged is loss, more is duplication, an equal count with a different sum is a
 * substitution (one lost, one duplicated), and a read-back that is not the contiguous run
 * {@code min..max} has gaps.
 */
public final class LedgerChecker {

  /** What the cluster holds for one key. */
  public record ReadBack(long count, long sum, long min, long max) {
    public static final ReadBack NOTHING = new ReadBack(0, 0, Long.MAX_VALUE, Long.MIN_VALUE);

    /** Combines the read-backs of two windows of the same key. */
    public ReadBack plus(ReadBack other) {
      return new ReadBack(count + other.count, sum + other.sum, Math.min(min, other.min), Math.max(max, other.max));
    }
  }

  /** The verdict over all keys; {@code problems} names a few offending keys. */
  public record Report(long acked, long lost, long duplicated, long gaps, List<String> problems) {
    public boolean ok() {
      return lost == 0 && duplicated == 0 && gaps == 0;
    }
  }

  private LedgerChecker() {}

  /**
   * @param ledger   key → sequence numbers whose request was acknowledged
   * @param readBack key → what the cluster holds (absent: nothing)
   */
  public static Report check(Map<String, ? extends SortedSet<Long>> ledger, Map<String, ReadBack> readBack) {
    long acked = 0;
    long lost = 0;
    long duplicated = 0;
    long gaps = 0;
    List<String> problems = new ArrayList<>();
    SortedSet<String> keys = new TreeSet<>(ledger.keySet());
    keys.addAll(readBack.keySet());
    for (String key : keys) {
      SortedSet<Long> seqs = ledger.containsKey(key) ? ledger.get(key) : new TreeSet<>();
      ReadBack got = readBack.getOrDefault(key, ReadBack.NOTHING);
      acked += seqs.size();
      long expectedSum = seqs.stream().mapToLong(Long::longValue).sum();
      long keyLost = 0;
      long keyDuplicated = 0;
      if (got.count() < seqs.size()) {
        keyLost = seqs.size() - got.count();
      } else if (got.count() > seqs.size()) {
        keyDuplicated = got.count() - seqs.size();
      } else if (got.sum() != expectedSum) {
        keyLost = 1;
        keyDuplicated = 1;
      }
      boolean gap = got.count() > 0 && got.max() - got.min() + 1 != got.count()
          && keyDuplicated == 0 && isContiguous(seqs);
      lost += keyLost;
      duplicated += keyDuplicated;
      gaps += gap ? 1 : 0;
      if ((keyLost > 0 || keyDuplicated > 0 || gap) && problems.size() < 10) {
        problems.add(key + ": acknowledged " + seqs.size() + " (sum " + expectedSum + "), cluster holds " + got);
      }
    }
    return new Report(acked, lost, duplicated, gaps, problems);
  }

  private static boolean isContiguous(SortedSet<Long> seqs) {
    return seqs.isEmpty() || seqs.last() - seqs.first() + 1 == seqs.size();
  }
}
