package io.keyflow.persistence.journal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Where journal rows live (docs/durability.md, "Segments"): the key groups of one pipeline stage
 * written on this node share a <em>segment</em>, one Cassandra partition {@code (fence_key, segment)}
 * holding the rows of all of them, so a flush of many key groups' rows is one mutation per stage
 * instead of one per key group. A node rolls to a fresh segment (a random id) after
 * {@code maxBytes} or {@code maxAgeNanos}.
 *
 * <p>Each persistence id keeps an index of {@link Entry entries}: (epoch, first sequence number,
 * segment), written in the same flush as its first row in that segment. Within one epoch the
 * entries are written in order by its only writer, so the rows of epoch {@code e} at sequence
 * numbers {@code [first_i, first_i+1)} are in segment {@code i}. Entries of different epochs may
 * interleave (a stale writer keeps writing into its own segment); {@link #toRead} therefore picks
 * per epoch, never across epochs.
 */
final class Segments {

  /** One index entry: the rows of {@code epoch} from {@code first} on are in {@code segment}. */
  record Entry(long epoch, long first, UUID segment) {}

  private static final class Open {
    final UUID id = UUID.randomUUID();
    final long openedAt;
    long bytes;

    Open(long openedAt) {
      this.openedAt = openedAt;
    }
  }

  private final long maxBytes;
  private final long maxAgeNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Open> open = new ConcurrentHashMap<>();

  Segments(long maxBytes, long maxAgeNanos, LongSupplier nanoTime) {
    if (maxBytes < 1 || maxAgeNanos < 1) {
      throw new IllegalArgumentException("segment limits must be positive: max-bytes " + maxBytes
          + ", max-age " + maxAgeNanos + " ns");
    }
    this.maxBytes = maxBytes;
    this.maxAgeNanos = maxAgeNanos;
    this.nanoTime = nanoTime;
  }

  /**
   * The segment a write of {@code bytes} to {@code fenceKey}'s stage goes to, counted into it. A
   * segment past either limit is replaced before the write, so a segment holds at most
   * {@code maxBytes} plus one write.
   */
  UUID writeTo(String fenceKey, long bytes) {
    long now = nanoTime.getAsLong();
    Open segment = open.compute(fenceKey, (key, current) ->
        current == null || current.bytes >= maxBytes || now - current.openedAt >= maxAgeNanos ? new Open(now) : current);
    synchronized (segment) {
      segment.bytes += bytes;
    }
    return segment.id;
  }

  /**
   * The segments a recovery reads to find every row from {@code from} on that {@code starts} could
   * make valid, each with the epochs it was chosen for: per epoch with a recorded start whose rows
   * can reach {@code from} (no later epoch started at or below it), the entry covering {@code from}
   * and every later entry of that epoch. An epoch without a recorded start owns no rows; one whose
   * successor started at or below {@code from} owns none from {@code from} on.
   *
   * <p>A row found in a segment counts only if its own epoch is among the segment's epochs. A node
   * keeps its open segment across its ownerships of an id, so a segment chosen for one epoch may
   * also hold rows of a later epoch of that node whose own index entry never landed (a write that
   * failed). Such a row was never acknowledged; a recovery that counted it would build on it, and a
   * later recovery, with no entry leading it to that segment, would miss it below a recorded start
   * (docs/durability.md, "Segments").
   */
  static Map<UUID, Set<Long>> toRead(List<Entry> entries, long from, NavigableMap<Long, Long> starts) {
    Map<UUID, Set<Long>> segments = new LinkedHashMap<>();
    for (Map.Entry<Long, List<Entry>> epoch : byEpoch(entries).entrySet()) {
      if (!ownsFrom(epoch.getKey(), from, starts)) {
        continue;
      }
      List<Entry> own = epoch.getValue();
      int firstNeeded = 0;
      for (int i = 0; i < own.size(); i++) {
        if (own.get(i).first() <= from) {
          firstNeeded = i;
        }
      }
      for (int i = firstNeeded; i < own.size(); i++) {
        segments.computeIfAbsent(own.get(i).segment(), segment -> new java.util.TreeSet<>()).add(epoch.getKey());
      }
    }
    return segments;
  }

  /**
   * What a deletion by the owner of {@code ownEpoch} (with {@code starts} including its own) of the
   * rows up to {@code upTo} does to the index. {@code drop}: the entries it removes, among those of
   * epochs up to its own: every
   * entry of an epoch that owns no row above {@code upTo} (it never recorded a start and is not {@code ownEpoch}, or a
   * later epoch started at or below {@code upTo + 1}), and every entry followed by one of its own
   * epoch that starts at or below {@code upTo + 1}. The rows of each such entry's segment up to
   * {@code upTo} are deleted with it. {@code trim}: the entries kept whose segments hold rows at or
   * below {@code upTo}; those rows are deleted too.
   */
  record Deletion(List<Entry> drop, List<Entry> trim) {}

  /** What a deletion up to {@code upTo} drops from the index and trims (see {@link Deletion}). */
  static Deletion deletion(List<Entry> entries, long upTo, NavigableMap<Long, Long> starts, long ownEpoch) {
    List<Entry> drop = toDrop(entries, upTo, starts, ownEpoch);
    List<Entry> trim = new ArrayList<>();
    for (Entry entry : entries) {
      if (entry.epoch() <= ownEpoch && entry.first() <= upTo && !drop.contains(entry)) {
        trim.add(entry);
      }
    }
    return new Deletion(drop, trim);
  }

  private static List<Entry> toDrop(List<Entry> entries, long upTo, NavigableMap<Long, Long> starts, long ownEpoch) {
    List<Entry> drop = new ArrayList<>();
    // Epochs after the deleter's own are never touched: a stale owner does not know their starts.
    for (Map.Entry<Long, List<Entry>> epoch : byEpoch(entries).headMap(ownEpoch, true).entrySet()) {
      List<Entry> own = epoch.getValue();
      boolean ownsNothingAbove = epoch.getKey() != ownEpoch && !ownsFrom(epoch.getKey(), upTo + 1, starts);
      for (int i = 0; i < own.size(); i++) {
        if (ownsNothingAbove || (i + 1 < own.size() && own.get(i + 1).first() <= upTo + 1)) {
          drop.add(own.get(i));
        }
      }
    }
    return drop;
  }

  /** Whether {@code epoch} can own a row at {@code seq} or above, by the recorded starts. */
  private static boolean ownsFrom(long epoch, long seq, NavigableMap<Long, Long> starts) {
    if (!starts.containsKey(epoch)) {
      return false;
    }
    for (long laterStart : starts.tailMap(epoch, false).values()) {
      if (laterStart <= seq) {
        return false;
      }
    }
    return true;
  }

  private static TreeMap<Long, List<Entry>> byEpoch(List<Entry> entries) {
    TreeMap<Long, List<Entry>> byEpoch = new TreeMap<>();
    for (Entry entry : entries) {
      byEpoch.computeIfAbsent(entry.epoch(), e -> new ArrayList<>()).add(entry);
    }
    for (List<Entry> own : byEpoch.values()) {
      own.sort(Comparator.comparingLong(Entry::first));
    }
    return byEpoch;
  }
}
