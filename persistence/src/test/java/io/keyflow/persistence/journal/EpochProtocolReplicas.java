package io.keyflow.persistence.journal;

import io.keyflow.persistence.journal.EpochProtocolModel.Action;
import io.keyflow.persistence.journal.EpochProtocolModel.Entry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The store of {@link EpochProtocolModel}: three replicas of the journal rows (cells keyed (seq,
 * epoch), last write wins by timestamp, range tombstones), of the deletion point and of the snapshot
 * store, and every write in flight to each replica until delivered. Reads see the replicas of a
 * bit set; row and deletion-point reads repair those replicas before they return, when
 * {@code readRepair}.
 */
final class EpochProtocolReplicas {

  static final int REPLICAS = 3;

  /** A row as a read returned it. */
  record Seen(long seq, long epoch, String payload) {}

  /** The newest snapshot a read found: {@code seq} 0 for none. */
  record Snapshot(long seq, List<Entry> state) {}

  /** How many replicas applied one write (its own deliveries; read repair does not count). */
  static final class Landing {
    int applied;
  }

  private record RowKey(long seq, long epoch) {}

  private record Cell(String payload, long ts) {}

  private record Tombstone(long upTo, long ts) {}

  private record Register(long value, long ts) {}

  private record Delivery(Action action, Object message, Landing landing) {}

  private static final class Replica {
    final Map<RowKey, Cell> rows = new HashMap<>();
    final Set<Tombstone> tombstones = new HashSet<>();
    Register deletedTo = new Register(0, 0);
    final TreeMap<Long, List<Entry>> snapshots = new TreeMap<>();
  }

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

  Landing sendRow(Action delivery, String payload) {
    return send(delivery, new Cell(payload, ++clock));
  }

  Landing sendTombstone(Action delivery, long upTo) {
    return send(delivery, new Tombstone(upTo, ++clock));
  }

  Landing sendDeletedTo(Action delivery, long value) {
    return send(delivery, new Register(value, ++clock));
  }

  Landing sendSnapshot(Action delivery, List<Entry> state) {
    return send(delivery, List.copyOf(state));
  }

  /** Puts one message in flight to every replica; {@code template}'s replica is ignored. */
  private Landing send(Action template, Object message) {
    Landing landing = new Landing();
    for (int r = 0; r < REPLICAS; r++) {
      Action action = new Action(template.kind(), template.writer(), template.epoch(), template.seq(), r);
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
      case DELIVER_ROW -> putNewer(replica.rows, new RowKey(action.seq(), action.epoch()), (Cell) delivery.message());
      case DELIVER_TOMBSTONE -> replica.tombstones.add((Tombstone) delivery.message());
      case DELIVER_DELETED_TO -> replica.deletedTo = newer(replica.deletedTo, (Register) delivery.message());
      case DELIVER_SNAPSHOT -> replica.snapshots.put(action.seq(), (List<Entry>) delivery.message());
      default -> throw new IllegalStateException(action.kind().name());
    }
    delivery.landing().applied++;
  }

  /** The fault: replica {@code r} loses its journal rows and tombstones (replaced without repair). */
  void loseRows(int r) {
    replicas[r].rows.clear();
    replicas[r].tombstones.clear();
  }

  private static void putNewer(Map<RowKey, Cell> rows, RowKey key, Cell cell) {
    rows.merge(key, cell, (old, neu) -> neu.ts() > old.ts() ? neu : old);
  }

  /** The rows from {@code from} on as the replicas in {@code mask} return them, in (seq, epoch) order. */
  List<Seen> readRows(long from, int mask) {
    Map<RowKey, Cell> merged = new HashMap<>();
    Set<Tombstone> tombstones = new HashSet<>();
    for (int r : members(mask)) {
      replicas[r].rows.forEach((key, cell) -> {
        if (key.seq() >= from) {
          putNewer(merged, key, cell);
        }
      });
      tombstones.addAll(replicas[r].tombstones);
    }
    if (readRepair) {
      for (int r : members(mask)) {
        merged.forEach((key, cell) -> putNewer(replicas[r].rows, key, cell));
        replicas[r].tombstones.addAll(tombstones);
      }
    }
    TreeMap<RowKey, Seen> visible = new TreeMap<>(
        (a, b) -> a.seq() != b.seq() ? Long.compare(a.seq(), b.seq()) : Long.compare(a.epoch(), b.epoch()));
    merged.forEach((key, cell) -> {
      boolean deleted = tombstones.stream().anyMatch(t -> t.upTo() >= key.seq() && t.ts() > cell.ts());
      if (!deleted) {
        visible.put(key, new Seen(key.seq(), key.epoch(), cell.payload()));
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
