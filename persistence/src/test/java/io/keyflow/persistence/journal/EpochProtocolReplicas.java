package io.keyflow.persistence.journal;

import io.keyflow.persistence.journal.EpochProtocolModel.Action;
import io.keyflow.persistence.journal.EpochProtocolModel.Entry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The store of {@link EpochProtocolModel}: three replicas of the journal rows (cells keyed (segment,
 * seq, epoch), last write wins by timestamp, range tombstones per segment), of the segment index
 * (entries (epoch, first, segment), each inserted and perhaps deleted, the later timestamp winning),
 * of the deletion point and of the snapshot store, and every write in flight to each replica until
 * delivered. A row and its index entry are two messages, as two mutations of one unlogged batch are:
 * each lands on each replica on its own. Reads see the replicas of a bit set; row, index and
 * deletion-point reads repair those replicas before they return, when {@code readRepair}.
 */
final class EpochProtocolReplicas {

  static final int REPLICAS = 3;

  /** A row as a read returned it, and the segment it was read from. */
  record Seen(long seq, long epoch, String payload, UUID segment) {}

  /** The newest snapshot a read found: {@code seq} 0 for none. */
  record Snapshot(long seq, List<Entry> state) {}

  /** How many replicas applied one write (its own deliveries; read repair does not count). */
  static final class Landing {
    int applied;
  }

  private record RowKey(UUID segment, long seq, long epoch) {}

  private record Cell(String payload, long ts) {}

  private record RowWrite(UUID segment, Cell cell) {}

  private record Tombstone(UUID segment, long upTo, long ts) {}

  /**
   * An index entry on a replica: the timestamps of its insert and of its deletion (0: none). It is
   * there iff inserted after it was deleted, so an insert landing after its deletion stays deleted.
   */
  private record IndexCell(long inserted, long deleted) {
    IndexCell merge(IndexCell other) {
      return new IndexCell(Math.max(inserted, other.inserted), Math.max(deleted, other.deleted));
    }

    boolean present() {
      return inserted > deleted;
    }
  }

  private record IndexWrite(Segments.Entry entry, IndexCell cell) {}

  private record Register(long value, long ts) {}

  private record Delivery(Action action, Object message, Landing landing) {}

  private static final class Replica {
    final Map<RowKey, Cell> rows = new HashMap<>();
    final Set<Tombstone> tombstones = new HashSet<>();
    final Map<Segments.Entry, IndexCell> index = new HashMap<>();
    Register deletedTo = new Register(0, 0);
    final TreeMap<Long, List<Entry>> snapshots = new TreeMap<>();
  }

  /** The order of the index table's clustering columns: epoch, first sequence number, segment. */
  private static final Comparator<Segments.Entry> INDEX_ORDER = Comparator.comparingLong(Segments.Entry::epoch)
      .thenComparingLong(Segments.Entry::first).thenComparing(Segments.Entry::segment);

  private final boolean readRepair;
  private final boolean deletionPointIsMax;
  private final Replica[] replicas = new Replica[REPLICAS];
  private final List<Delivery> inFlight = new ArrayList<>();
  /** The writers' timestamps: one logical clock (no skew). */
  private long clock;

  EpochProtocolReplicas(boolean readRepair, boolean deletionPointIsMax) {
    this.readRepair = readRepair;
    this.deletionPointIsMax = deletionPointIsMax;
    for (int r = 0; r < REPLICAS; r++) {
      replicas[r] = new Replica();
    }
  }

  /** The deliveries possible now, one per message and replica. */
  void addDeliveries(List<Action> into) {
    for (Delivery delivery : inFlight) {
      into.add(delivery.action());
    }
  }

  Landing sendRow(Action delivery, UUID segment, String payload) {
    return send(delivery, new RowWrite(segment, new Cell(payload, ++clock)));
  }

  Landing sendEntry(Action delivery, Segments.Entry entry) {
    return send(delivery, new IndexWrite(entry, new IndexCell(++clock, 0)));
  }

  void sendEntryDeletion(Action delivery, Segments.Entry entry) {
    send(delivery, new IndexWrite(entry, new IndexCell(0, ++clock)));
  }

  Landing sendTombstone(Action delivery, UUID segment, long upTo) {
    return send(delivery, new Tombstone(segment, upTo, ++clock));
  }

  Landing sendDeletedTo(Action delivery, long value) {
    return send(delivery, new Register(value, ++clock));
  }

  Landing sendSnapshot(Action delivery, List<Entry> state) {
    return send(delivery, List.copyOf(state));
  }

  /**
   * Puts one message in flight to every replica; {@code template}'s replica is ignored. The same
   * message sent again while the first is in flight (one owner deleting one index entry twice)
   * replaces it: the first then never lands, which the schedule may choose anyway.
   */
  private Landing send(Action template, Object message) {
    Landing landing = new Landing();
    for (int r = 0; r < REPLICAS; r++) {
      Action action = new Action(template.kind(), template.writer(), template.epoch(), template.seq(), r,
          template.segment());
      inFlight.removeIf(delivery -> delivery.action().equals(action));
      inFlight.add(new Delivery(action, message, landing));
    }
    return landing;
  }

  @SuppressWarnings("unchecked")
  void deliver(Action action) {
    Delivery delivery = null;
    for (int i = 0; i < inFlight.size(); i++) {
      if (inFlight.get(i).action().equals(action)) {
        delivery = inFlight.remove(i);
        break;
      }
    }
    if (delivery == null) {
      throw new IllegalStateException("not in flight: " + action.label());
    }
    Replica replica = replicas[action.replicas()];
    switch (action.kind()) {
      case DELIVER_ROW -> {
        RowWrite row = (RowWrite) delivery.message();
        putNewer(replica.rows, new RowKey(row.segment(), action.seq(), action.epoch()), row.cell());
      }
      case DELIVER_ENTRY, DELIVER_ENTRY_DELETION -> {
        IndexWrite write = (IndexWrite) delivery.message();
        replica.index.merge(write.entry(), write.cell(), IndexCell::merge);
      }
      case DELIVER_TOMBSTONE -> replica.tombstones.add((Tombstone) delivery.message());
      case DELIVER_DELETED_TO -> replica.deletedTo = newer(replica.deletedTo, (Register) delivery.message());
      case DELIVER_SNAPSHOT -> replica.snapshots.put(action.seq(), (List<Entry>) delivery.message());
      default -> throw new IllegalStateException(action.kind().name());
    }
    delivery.landing().applied++;
  }

  /** The fault: replica {@code r} loses its journal rows, tombstones and index (replaced without repair). */
  void loseRows(int r) {
    replicas[r].rows.clear();
    replicas[r].tombstones.clear();
    replicas[r].index.clear();
  }

  private static void putNewer(Map<RowKey, Cell> rows, RowKey key, Cell cell) {
    rows.merge(key, cell, (old, neu) -> neu.ts() > old.ts() ? neu : old);
  }

  /** The index entries the replicas in {@code mask} return, in the index table's order. */
  List<Segments.Entry> readIndex(int mask) {
    Map<Segments.Entry, IndexCell> merged = new HashMap<>();
    for (int r : members(mask)) {
      replicas[r].index.forEach((entry, cell) -> merged.merge(entry, cell, IndexCell::merge));
    }
    if (readRepair) {
      for (int r : members(mask)) {
        merged.forEach((entry, cell) -> replicas[r].index.merge(entry, cell, IndexCell::merge));
      }
    }
    List<Segments.Entry> present = new ArrayList<>();
    merged.forEach((entry, cell) -> {
      if (cell.present()) {
        present.add(entry);
      }
    });
    present.sort(INDEX_ORDER);
    return present;
  }

  /**
   * The rows from {@code from} on in {@code segments} as the replicas in {@code mask} return them, in
   * (seq, epoch) order (one read standing for the journal's read of each segment).
   */
  List<Seen> readRows(long from, Set<UUID> segments, int mask) {
    Map<RowKey, Cell> merged = new HashMap<>();
    Set<Tombstone> tombstones = new HashSet<>();
    for (int r : members(mask)) {
      replicas[r].rows.forEach((key, cell) -> {
        if (key.seq() >= from && segments.contains(key.segment())) {
          putNewer(merged, key, cell);
        }
      });
      for (Tombstone tombstone : replicas[r].tombstones) {
        if (segments.contains(tombstone.segment())) {
          tombstones.add(tombstone);
        }
      }
    }
    if (readRepair) {
      for (int r : members(mask)) {
        merged.forEach((key, cell) -> putNewer(replicas[r].rows, key, cell));
        replicas[r].tombstones.addAll(tombstones);
      }
    }
    TreeMap<RowKey, Seen> visible = new TreeMap<>(Comparator.comparingLong(RowKey::seq)
        .thenComparingLong(RowKey::epoch).thenComparing(RowKey::segment));
    merged.forEach((key, cell) -> {
      boolean deleted = tombstones.stream()
          .anyMatch(t -> t.segment().equals(key.segment()) && t.upTo() >= key.seq() && t.ts() > cell.ts());
      if (!deleted) {
        visible.put(key, new Seen(key.seq(), key.epoch(), cell.payload(), key.segment()));
      }
    });
    return new ArrayList<>(visible.values());
  }

  long readDeletedTo(int mask) {
    Register newest = new Register(0, 0);
    for (int r : members(mask)) {
      newest = newer(newest, replicas[r].deletedTo);
    }
    if (readRepair) {
      for (int r : members(mask)) {
        replicas[r].deletedTo = newer(replicas[r].deletedTo, newest);
      }
    }
    return newest.value();
  }

  /** The register that wins a merge: the last written, or with {@code deletionPointIsMax} the highest. */
  private Register newer(Register a, Register b) {
    if (deletionPointIsMax) {
      return b.value() > a.value() ? b : a;
    }
    return b.ts() > a.ts() ? b : a;
  }

  /** The newest snapshot on the replicas in {@code mask} (no repair: the snapshot store's own reads). */
  Snapshot readSnapshot(int mask) {
    Snapshot newest = new Snapshot(0, List.of());
    for (int r : members(mask)) {
      var last = replicas[r].snapshots.lastEntry();
      if (last != null && last.getKey() > newest.seq()) {
        newest = new Snapshot(last.getKey(), last.getValue());
      }
    }
    return newest;
  }

  private static List<Integer> members(int mask) {
    List<Integer> members = new ArrayList<>(REPLICAS);
    for (int r = 0; r < REPLICAS; r++) {
      if ((mask & (1 << r)) != 0) {
        members.add(r);
      }
    }
    return members;
  }
}
