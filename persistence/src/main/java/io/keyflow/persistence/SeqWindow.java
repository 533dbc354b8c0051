package io.keyflow.persistence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request sequence numbers of one source (a home key group, or a node for keyless requests)
 * that a key group applied, within the idempotency window. A source numbers its requests with
 * first-seen times that never decrease with the number, which is what lets the window be a bitmap
 * plus a few time marks instead of one entry per request.
 *
 * <p>{@code words} is a bitmap of the fully applied sequence numbers from {@code base} on;
 * {@code partial} holds the offset ranges applied so far of a request whose share in this key group
 * arrived in several parts (flattened {@code [from0, to0, from1, to1, ...]}, sorted, disjoint);
 * {@code marks} maps a sequence number to its first-seen time, at most one mark per
 * {@code granularity}, and {@code newest} is the latest first-seen time recorded.
 *
 * <p>Forgetting is safe only together with the rule that a part first seen before the horizon is
 * refused before the window is consulted (see {@code KeyGroupTransitions}): the window forgets only
 * numbers whose first-seen time is before the horizon, so a forgotten request can never be applied
 * again — it is answered as too old.
 *
 * <p>Mutable (changed in place by the event handler only); serialized by Jackson (public fields). Part
 * of {@link IdempotencyState}, stored as a field (why it lives here: see there).
 */
public final class SeqWindow {
  public long base;
  public long[] words = new long[0];
  public TreeMap<Long, List<Integer>> partial = new TreeMap<>();
  public TreeMap<Long, Long> marks = new TreeMap<>();
  public long newest = Long.MIN_VALUE;

  public SeqWindow() {}

  /** Whether every record of request {@code seq}'s share in this key group was applied. */
  public boolean complete(long seq) {
    long bit = seq - base;
    if (bit < 0 || bit >= (long) words.length * 64) {
      return false;
    }
    return (words[(int) (bit >>> 6)] & (1L << (bit & 63))) != 0;
  }

  /** The sub-ranges of {@code [from, to)} of request {@code seq} not applied yet (flattened pairs). */
  public List<Integer> missing(long seq, int from, int to) {
    List<Integer> missing = new ArrayList<>();
    if (complete(seq)) {
      return missing;
    }
    int at = from;
    List<Integer> done = partial.getOrDefault(seq, List.of());
    for (int i = 0; i < done.size() && at < to; i += 2) {
      int start = done.get(i);
      int end = done.get(i + 1);
      if (end <= at) {
        continue;
      }
      if (start > at) {
        missing.add(at);
        missing.add(Math.min(start, to));
      }
      at = Math.max(at, end);
    }
    if (at < to) {
      missing.add(at);
      missing.add(to);
    }
    return missing;
  }

  /** Records that offsets {@code [from, to)} of the {@code total} records of request {@code seq} are applied. */
  public void record(long seq, int from, int to, int total, long firstSeen, long granularity) {
    if (!complete(seq)) {
      List<Integer> merged = merge(partial.getOrDefault(seq, List.of()), from, to);
      if (merged.size() == 2 && merged.get(0) <= 0 && merged.get(1) >= total) {
        partial.remove(seq);
        setComplete(seq);
      } else {
        partial.put(seq, merged);
      }
    }
    if (firstSeen > newest) {
      Map.Entry<Long, Long> last = marks.lastEntry();
      if (last == null || firstSeen >= last.getValue() + granularity) {
        marks.put(seq, firstSeen);
      }
      newest = firstSeen;
    }
  }

  /**
   * Forgets every sequence number known to be first seen before {@code horizon}. Returns whether
   * nothing is left (every number recorded was first seen before it).
   */
  public boolean forgetBefore(long horizon) {
    if (newest < horizon) {
      return true;
    }
    Map.Entry<Long, Long> upTo = null;
    for (Map.Entry<Long, Long> mark : marks.entrySet()) {
      if (mark.getValue() >= horizon) {
        break;
      }
      upTo = mark;
    }
    if (upTo == null) {
      return false;
    }
    // Numbers up to the mark's were first seen no later than the mark's time (monotone per source).
    long keepFrom = Math.floorDiv(upTo.getKey() + 1, 64) * 64;
    marks.headMap(upTo.getKey(), true).clear();
    partial.headMap(upTo.getKey(), true).clear();
    if (keepFrom > base) {
      int drop = (int) Math.min(words.length, (keepFrom - base) >>> 6);
      long[] kept = new long[words.length - drop];
      System.arraycopy(words, drop, kept, 0, kept.length);
      words = kept;
      base += (long) drop * 64;
    }
    return false;
  }

  private void setComplete(long seq) {
    if (words.length == 0) {
      base = Math.floorDiv(seq, 64) * 64;
    }
    if (seq < base) {
      // A lower number can still come after a higher one (its part was slower); grow downwards.
      long newBase = Math.floorDiv(seq, 64) * 64;
      int add = (int) ((base - newBase) >>> 6);
      long[] grown = new long[words.length + add];
      System.arraycopy(words, 0, grown, add, words.length);
      words = grown;
      base = newBase;
    }
    int word = (int) ((seq - base) >>> 6);
    if (word >= words.length) {
      long[] grown = new long[Math.max(word + 1, words.length * 2)];
      System.arraycopy(words, 0, grown, 0, words.length);
      words = grown;
    }
    words[word] |= 1L << ((seq - base) & 63);
  }

  private static List<Integer> merge(List<Integer> ranges, int from, int to) {
    List<Integer> merged = new ArrayList<>(ranges.size() + 2);
    boolean placed = false;
    for (int i = 0; i < ranges.size(); i += 2) {
      int start = ranges.get(i);
      int end = ranges.get(i + 1);
      if (end < from) {
        merged.add(start);
        merged.add(end);
      } else if (start > to) {
        if (!placed) {
          merged.add(from);
          merged.add(to);
          placed = true;
        }
        merged.add(start);
        merged.add(end);
      } else {
        from = Math.min(from, start);
        to = Math.max(to, end);
      }
    }
    if (!placed) {
      merged.add(from);
      merged.add(to);
    }
    return merged;
  }
}
