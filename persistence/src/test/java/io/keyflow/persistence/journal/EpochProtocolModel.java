package io.keyflow.persistence.journal;

import io.keyflow.persistence.journal.EpochProtocolReplicas.Landing;
import io.keyflow.persistence.journal.EpochProtocolReplicas.Seen;
import io.keyflow.persistence.journal.EpochProtocolReplicas.Snapshot;
import io.keyflow.persistence.journal.EpochRules.DeletedBelowSnapshot;
import io.keyflow.persistence.journal.EpochRules.Recovery;
import io.keyflow.persistence.journal.EpochRules.RecoveryRefused;
import io.keyflow.persistence.journal.EpochRules.Rule;
import io.keyflow.persistence.journal.EpochRules.RowId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * One persistence id of the epoch-fenced journal as a state machine of atomic steps: three writers,
 * a linearizable fence row, three replicas of the journal rows, of the segment index, of the
 * deletion point and of the snapshot store, and every message between them in flight until the
 * schedule delivers it (or never). {@link #enabled()} lists the steps possible now; {@link #apply}
 * takes one. The recovery decision is {@link EpochRules#recover}; the writer and the store follow
 * the rules {@link EpochRules#has}.
 *
 * <p>Segments: each writer stands for a node with its own open segment (W1's are A1, A2, …, W2's
 * B1, …), kept across its ownerships and rolled after {@link #SEGMENT_ROWS} rows. An owner's first
 * row in a segment carries an index entry (epoch, first sequence number, segment), sent with the row
 * as a message of its own; a write is landed when both are at a quorum. A recovery reads the index,
 * then the rows of the segments {@link Segments#toRead} names, and counts a row only if its segment
 * was chosen for the row's own epoch; a deletion reads the index after
 * writing the deletion point, range-deletes the rows of each segment {@link Segments#deletion}
 * drops or trims, and, once those deletes landed, deletes the entries it drops.
 *
 * <p>A step is an {@link Action}, a value: replaying a list of actions (skipping the ones not
 * enabled) is how the test shrinks a counterexample.
 */
final class EpochProtocolModel {

  static final int REPLICAS = EpochProtocolReplicas.REPLICAS;
  private static final String PID = "pipeline|stage|7";
  private static final String[] NAMES = {"W1", "W2", "W3"};
  static final int WRITERS = NAMES.length;
  /** A node rolls to a new segment after this many rows (of any of its ownerships). */
  static final int SEGMENT_ROWS = 2;

  /**
   * The index rules of the journal that the mutation check breaks one at a time. They live in
   * {@link Segments} and the journal's write path, which have no switch: the model runs the broken
   * variant in their place.
   */
  enum IndexRule {
    /**
     * Recovery chooses segments per epoch ({@link Segments#toRead}). Broken: the latest entry at or
     * below the first sequence number wanted across all epochs, and every later entry.
     */
    READ_PER_EPOCH,
    /**
     * A row read from a segment counts only if the segment was chosen for the row's own epoch
     * ({@link Segments#toRead} names each segment with its epochs). Broken: every row of a segment
     * read counts, whichever epoch's entry led to the segment.
     */
    ROWS_THROUGH_OWN_ENTRIES,
    /**
     * Deletion drops only the entries that name no row above the deletion point
     * ({@link Segments#deletion}). Broken: it drops every entry at or below the point.
     */
    DROP_ONLY_DEAD_ENTRIES,
    /**
     * Deletion touches only the deleter's epoch and earlier ones. Broken: a stale deleter also
     * judges later epochs, of which it knows no start.
     */
    DELETE_UP_TO_OWN_EPOCH,
    /**
     * The index entry travels in its rows' batch: a write lands only when both are at a quorum.
     * Broken: the entry is written after the write completes.
     */
    ENTRY_WITH_ROWS
  }

  /**
   * Bounds of one schedule, and three switches: {@code replicaLoss} enables the fault "one replica
   * loses its journal rows and index" (once per schedule; for {@link Rule#GAP_FAILS} only);
   * {@code deletionPointIsMax} makes the deletion point a max register (each replica and each read
   * keeps the highest value written) instead of the last written {@code max(old, k)}, which a
   * paused owner can lower; {@code broken}, if not null, is the {@link IndexRule} run broken.
   */
  record Limits(int recoveries, int rowsPerOwnership, int payloads, boolean replicaLoss, boolean deletionPointIsMax,
      IndexRule broken) {
    Limits(int recoveries, int rowsPerOwnership, int payloads, boolean replicaLoss, boolean deletionPointIsMax) {
      this(recoveries, rowsPerOwnership, payloads, replicaLoss, deletionPointIsMax, null);
    }

    Limits withReplicaLoss() {
      return new Limits(recoveries, rowsPerOwnership, payloads, true, deletionPointIsMax, broken);
    }

    Limits withDeletionPointAsWritten() {
      return new Limits(recoveries, rowsPerOwnership, payloads, replicaLoss, false, broken);
    }

    Limits withBroken(IndexRule rule) {
      return new Limits(recoveries, rowsPerOwnership, payloads, replicaLoss, deletionPointIsMax, rule);
    }

    boolean has(IndexRule rule) {
      return broken != rule;
    }
  }

  enum Kind {
    LOAD_SNAPSHOT, READ_FENCE, CLAIM, COMMIT_CLAIM, READ_INDEX, READ_ROWS, READ_DELETED_TO, RECORD_START,
    SEND, CONFIRM, STOP, SAVE_SNAPSHOT, SNAPSHOT_SAVED, READ_OLD_DELETED_TO, WRITE_DELETED_TO, DELETE_ROWS,
    DELETE_ENTRIES, DELIVER_ROW, DELIVER_ENTRY, DELIVER_SNAPSHOT, DELIVER_DELETED_TO, DELIVER_TOMBSTONE,
    DELIVER_ENTRY_DELETION, LOSE_ROWS
  }

  /**
   * One step. {@code writer} is the acting writer, or for a delivery the writer that sent it;
   * {@code replicas} a bit set of the replicas read, or the one replica a delivery reaches; for a
   * delivery {@code epoch} and {@code seq} name the message (its epoch and sequence number or k; for
   * an index entry and its deletion, the entry's epoch and first sequence number), and
   * {@code segment} the segment of a row, index entry or range tombstone (else null).
   */
  record Action(Kind kind, int writer, long epoch, long seq, int replicas, UUID segment) {
    Action(Kind kind, int writer, long epoch, long seq, int replicas) {
      this(kind, writer, epoch, seq, replicas, null);
    }

    boolean isDelivery() {
      return kind.name().startsWith("DELIVER");
    }

    /** The actor for scheduling: a writer, or -1 for the network. */
    int actor() {
      return isDelivery() || kind == Kind.LOSE_ROWS ? -1 : writer;
    }

    String label() {
      String who = writer >= 0 ? NAMES[writer] : "";
      return switch (kind) {
        case DELIVER_ROW -> "row (s" + seq + ", e" + epoch + ") in " + segmentName(segment) + " of " + who
            + " lands on r" + replicas;
        case DELIVER_ENTRY -> "index entry (e" + epoch + ", s" + seq + ", " + segmentName(segment) + ") of " + who
            + " lands on r" + replicas;
        case DELIVER_SNAPSHOT -> "snapshot@" + seq + " of " + who + " lands on r" + replicas;
        case DELIVER_DELETED_TO -> "deleted_to=" + seq + " of " + who + " lands on r" + replicas;
        case DELIVER_TOMBSTONE -> "tombstone " + segmentName(segment) + " <=" + seq + " of " + who + " lands on r"
            + replicas;
        case DELIVER_ENTRY_DELETION -> "deletion of index entry (e" + epoch + ", s" + seq + ", "
            + segmentName(segment) + ") by " + who + " lands on r" + replicas;
        case LOSE_ROWS -> "FAULT: r" + replicas + " loses its journal rows and index";
        default -> who + " " + kind.name().toLowerCase().replace('_', '-')
            + (replicas != 0 ? " @" + replicaNames(replicas) : "");
      };
    }
  }

  /** Writer {@code w}'s {@code n}-th segment (from 1): A1 is W1's first. */
  static UUID segment(int w, int n) {
    return new UUID(w + 1, n);
  }

  static String segmentName(UUID segment) {
    return (char) ('A' + segment.getMostSignificantBits() - 1) + Long.toString(segment.getLeastSignificantBits());
  }

  static String replicaNames(int mask) {
    StringBuilder names = new StringBuilder();
    for (int r = 0; r < REPLICAS; r++) {
      if ((mask & (1 << r)) != 0) {
        names.append('r').append(r);
      }
    }
    return names.toString();
  }

  record Entry(long seq, String payload) {
    @Override
    public String toString() {
      return seq + ":" + payload;
    }
  }

  record Ack(long seq, String payload) {}

  private enum Phase {
    IDLE, RETRY, READ_FENCE, CLAIM, CLAIM_COMMIT, READ_INDEX, READ_ROWS, READ_DELETED_TO, RECORD_START, OWNER
  }

  private enum Deletion { NONE, SNAPSHOT_SENT, SNAPSHOT_DONE, OLD_READ, DELETED_TO_SENT, ROWS_DELETED }

  private static final class Write {
    final long seq;
    final String payload;
    Landing landing;
    /** The index entry this write carries, or null. */
    Segments.Entry entry;
    /** Null while its entry is not sent (never with the entry in the rows' batch). */
    Landing entryLanding;
    boolean completed;

    Write(long seq, String payload) {
      this.seq = seq;
      this.payload = payload;
    }
  }

  private static final class Writer {
    Phase phase = Phase.IDLE;
    long snapshotSeq;
    List<Entry> snapshotState = List.of();
    long readEpoch;
    long epoch;
    int acksBeforeClaim;
    NavigableMap<Long, Long> starts;
    List<Segments.Entry> indexSeen;
    List<Seen> rowsSeen;
    long start;
    List<Entry> base;
    final List<Write> writes = new ArrayList<>();
    long newestSnapshot;
    Deletion deletion = Deletion.NONE;
    long snapshotK;
    Landing snapshotLanding;
    long oldDeletedTo;
    Landing deletedToLanding;
    final List<Landing> rowDeletes = new ArrayList<>();
    List<Segments.Entry> entriesToDelete = List.of();
    /** The node's open segment (null before its first row), how many it opened, rows in the open one. */
    UUID segment;
    int segmentsOpened;
    int rowsInSegment;
    /** The segment this ownership's index entries name last (null: none yet). */
    UUID indexed;
  }

  private final EpochRules rules;
  private final Limits limits;
  private final int quorum;
  /** The fence's epoch in Paxos order: what a lightweight transaction's condition sees. */
  private long fenceEpoch;
  /**
   * The newest epoch whose claim is committed at a quorum: a QUORUM read of the fence (a claim's first
   * guess, a confirmation) sees at least this one, and here, adversarially, exactly this one — not a
   * claim accepted but not yet committed. A lightweight transaction completes such a claim first.
   */
  private long fenceCommitted;
  private final TreeMap<Long, Long> starts = new TreeMap<>();
  private final EpochProtocolReplicas replicas;
  private final Writer[] writers = new Writer[NAMES.length];
  private final List<Ack> acks = new ArrayList<>();
  private final List<String> trace = new ArrayList<>();
  private int recoveries;
  private int payloads;
  private int recovered;
  private String violation;
  private boolean refused;
  private int deletedBelowSnapshot;
  private boolean replicaLost;

  EpochProtocolModel(EpochRules rules, Limits limits) {
    this.rules = rules;
    this.limits = limits;
    this.quorum = rules.has(Rule.QUORUM) ? 2 : 1;
    this.replicas = new EpochProtocolReplicas(rules.has(Rule.QUORUM), limits.deletionPointIsMax());
    for (int w = 0; w < writers.length; w++) {
      writers[w] = new Writer();
    }
  }

  /** The violated property, or null. */
  String violation() {
    return violation;
  }

  /** Whether a recovery was refused (other than {@link DeletedBelowSnapshot}). */
  boolean refused() {
    return refused;
  }

  List<String> trace() {
    return trace;
  }

  List<Ack> acks() {
    return acks;
  }

  /** How many recoveries met {@link DeletedBelowSnapshot} and recovered again. */
  int deletedBelowSnapshot() {
    return deletedBelowSnapshot;
  }

  /** How many recoveries decided a state (and were checked). */
  int recovered() {
    return recovered;
  }

  // ---------------------------------------------------------------------------------------------
  // Enabled steps

  List<Action> enabled() {
    List<Action> enabled = new ArrayList<>();
    if (violation != null) {
      return enabled;
    }
    for (int w = 0; w < writers.length; w++) {
      addWriterActions(w, writers[w], enabled);
    }
    replicas.addDeliveries(enabled);
    if (limits.replicaLoss() && !replicaLost) {
      for (int r = 0; r < REPLICAS; r++) {
        enabled.add(new Action(Kind.LOSE_ROWS, -1, 0, 0, r));
      }
    }
    return enabled;
  }

  private void addWriterActions(int w, Writer writer, List<Action> into) {
    switch (writer.phase) {
      case IDLE, RETRY -> {
        int bound = limits.recoveries() + (writer.phase == Phase.RETRY ? 2 : 0);
        if (recoveries < bound) {
          readSets(w, Kind.LOAD_SNAPSHOT, 2, into);
        }
      }
      case READ_FENCE -> into.add(new Action(Kind.READ_FENCE, w, 0, 0, 0));
      case CLAIM -> into.add(new Action(Kind.CLAIM, w, 0, 0, 0));
      case CLAIM_COMMIT -> into.add(new Action(Kind.COMMIT_CLAIM, w, 0, 0, 0));
      case READ_INDEX -> readSets(w, Kind.READ_INDEX, quorum, into);
      case READ_ROWS -> readSets(w, Kind.READ_ROWS, quorum, into);
      case READ_DELETED_TO -> readSets(w, Kind.READ_DELETED_TO, quorum, into);
      case RECORD_START -> into.add(new Action(Kind.RECORD_START, w, 0, 0, 0));
      case OWNER -> addOwnerActions(w, writer, into);
      default -> throw new IllegalStateException(writer.phase.name());
    }
  }

  private void addOwnerActions(int w, Writer writer, List<Action> into) {
    if (writer.writes.size() < limits.rowsPerOwnership() && payloads < limits.payloads()) {
      into.add(new Action(Kind.SEND, w, 0, 0, 0));
    }
    if (!confirmable(writer).isEmpty()) {
      into.add(new Action(Kind.CONFIRM, w, 0, 0, 0));
    }
    into.add(new Action(Kind.STOP, w, 0, 0, 0));
    switch (writer.deletion) {
      case NONE -> {
        if (completedTo(writer) > writer.newestSnapshot) {
          into.add(new Action(Kind.SAVE_SNAPSHOT, w, 0, 0, 0));
        }
      }
      case SNAPSHOT_SENT -> {
        if (writer.snapshotLanding.applied >= 2) {
          into.add(new Action(Kind.SNAPSHOT_SAVED, w, 0, 0, 0));
        }
      }
      case SNAPSHOT_DONE -> readSets(w, Kind.READ_OLD_DELETED_TO, quorum, into);
      case OLD_READ -> into.add(new Action(Kind.WRITE_DELETED_TO, w, 0, 0, 0));
      case DELETED_TO_SENT -> {
        if (writer.deletedToLanding.applied >= quorum) {
          readSets(w, Kind.DELETE_ROWS, quorum, into);
        }
      }
      case ROWS_DELETED -> {
        if (writer.rowDeletes.stream().allMatch(landing -> landing.applied >= quorum)) {
          into.add(new Action(Kind.DELETE_ENTRIES, w, 0, 0, 0));
        }
      }
      default -> throw new IllegalStateException(writer.deletion.name());
    }
  }

  /** One action per set of {@code size} replicas a read may reach. */
  private static void readSets(int w, Kind kind, int size, List<Action> into) {
    for (int mask = 1; mask < (1 << REPLICAS); mask++) {
      if (Integer.bitCount(mask) == size) {
        into.add(new Action(kind, w, 0, 0, mask));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Steps

  void apply(Action action) {
    String outcome = switch (action.kind()) {
      case DELIVER_ROW, DELIVER_ENTRY, DELIVER_SNAPSHOT, DELIVER_DELETED_TO, DELIVER_TOMBSTONE,
          DELIVER_ENTRY_DELETION -> {
        replicas.deliver(action);
        yield "";
      }
      case LOSE_ROWS -> {
        replicas.loseRows(action.replicas());
        replicaLost = true;
        yield "";
      }
      default -> step(action, writers[action.writer()]);
    };
    trace.add(action.label() + (outcome.isEmpty() ? "" : ": " + outcome));
  }

  private String step(Action action, Writer writer) {
    int w = action.writer();
    return switch (action.kind()) {
      case LOAD_SNAPSHOT -> loadSnapshot(writer, action.replicas());
      case READ_FENCE -> {
        writer.readEpoch = fenceCommitted;
        writer.phase = Phase.CLAIM;
        yield "epoch " + fenceCommitted + " (QUORUM read)";
      }
      case CLAIM -> claim(writer);
      case COMMIT_CLAIM -> {
        fenceCommitted = Math.max(fenceCommitted, writer.epoch);
        writer.phase = Phase.READ_INDEX;
        yield "claim of epoch " + writer.epoch + " committed at a quorum";
      }
      case READ_INDEX -> {
        writer.indexSeen = replicas.readIndex(action.replicas());
        writer.phase = Phase.READ_ROWS;
        yield "index " + describeIndex(writer.indexSeen);
      }
      case READ_ROWS -> {
        Map<UUID, Set<Long>> segments = toRead(writer.indexSeen, writer.snapshotSeq + 1, writer.starts);
        List<Seen> read = replicas.readRows(writer.snapshotSeq + 1, segments.keySet(), action.replicas());
        writer.rowsSeen = read.stream()
            .filter(row -> segments.get(row.segment()) == null || segments.get(row.segment()).contains(row.epoch())
                || !limits.has(IndexRule.ROWS_THROUGH_OWN_ENTRIES))
            .toList();
        writer.phase = Phase.READ_DELETED_TO;
        yield "reads " + describeSegments(segments) + ": sees " + describe(writer.rowsSeen)
            + (read.size() > writer.rowsSeen.size() ? " (not counted: " + describe(read.stream()
                .filter(row -> !writer.rowsSeen.contains(row)).toList()) + ")" : "");
      }
      case READ_DELETED_TO -> decide(w, writer, replicas.readDeletedTo(action.replicas()));
      case RECORD_START -> {
        fenceCommitted = fenceEpoch;
        if (fenceEpoch != writer.epoch) {
          writer.phase = Phase.IDLE;
          yield "fence at epoch " + fenceEpoch + ": fenced, gives up";
        }
        starts.put(writer.epoch, writer.start);
        writer.phase = Phase.OWNER;
        yield "starts[" + writer.epoch + "]=" + writer.start;
      }
      case SEND -> send(w, writer);
      case CONFIRM -> confirm(w, writer);
      case STOP -> {
        writer.phase = Phase.IDLE;
        yield "stops (a write timed out, or the entity passivated)";
      }
      case SAVE_SNAPSHOT -> saveSnapshot(w, writer);
      case SNAPSHOT_SAVED -> {
        writer.newestSnapshot = writer.snapshotK;
        writer.deletion = Deletion.SNAPSHOT_DONE;
        yield "snapshot@" + writer.snapshotK + " complete";
      }
      case READ_OLD_DELETED_TO -> {
        long old = replicas.readDeletedTo(action.replicas());
        if (writer.snapshotK <= old) {
          writer.deletion = Deletion.NONE;
          yield "deleted_to " + old + ": nothing to delete";
        }
        writer.oldDeletedTo = old;
        writer.deletion = Deletion.OLD_READ;
        yield "deleted_to " + old;
      }
      case WRITE_DELETED_TO -> {
        long value = Math.max(writer.oldDeletedTo, writer.snapshotK);
        writer.deletedToLanding =
            replicas.sendDeletedTo(new Action(Kind.DELIVER_DELETED_TO, w, writer.epoch, value, 0), value);
        writer.deletion = Deletion.DELETED_TO_SENT;
        yield "sends deleted_to=" + value;
      }
      case DELETE_ROWS -> deleteRows(w, writer, action.replicas());
      case DELETE_ENTRIES -> {
        for (Segments.Entry entry : writer.entriesToDelete) {
          replicas.sendEntryDeletion(
              new Action(Kind.DELIVER_ENTRY_DELETION, w, entry.epoch(), entry.first(), 0, entry.segment()), entry);
        }
        writer.deletion = Deletion.NONE;
        yield "deletes index entries " + describeIndex(writer.entriesToDelete);
      }
      default -> throw new IllegalStateException(action.kind().name());
    };
  }

  private String loadSnapshot(Writer writer, int mask) {
    recoveries++;
    Snapshot newest = replicas.readSnapshot(mask);
    writer.snapshotSeq = newest.seq();
    writer.snapshotState = newest.state();
    writer.newestSnapshot = writer.snapshotSeq;
    writer.phase = Phase.READ_FENCE;
    return writer.snapshotSeq == 0 ? "no snapshot" : "snapshot@" + writer.snapshotSeq + " " + writer.snapshotState;
  }

  /**
   * The claim's outcome is atomic here: an unknown outcome is resolved by a serial read of the
   * owner, which tells exactly this, so the owner column needs no modelling.
   */
  private String claim(Writer writer) {
    fenceCommitted = fenceEpoch;
    long next = writer.readEpoch + 1;
    if (rules.has(Rule.CLAIM_EPOCH) && fenceEpoch != writer.readEpoch) {
      writer.phase = Phase.READ_FENCE;
      return "IF epoch = " + writer.readEpoch + " not applied (epoch " + fenceEpoch + "): re-reads";
    }
    fenceEpoch = next;
    writer.epoch = next;
    writer.acksBeforeClaim = acks.size();
    // IF epoch = e AND starts[e] = <as read>: the starts the claimer read are the fence's at the claim.
    writer.starts = new TreeMap<>(starts);
    writer.phase = Phase.CLAIM_COMMIT;
    return (rules.has(Rule.CLAIM_EPOCH) ? "claims epoch " : "writes epoch (no LWT) ") + next;
  }

  private String decide(int w, Writer writer, long deletedTo) {
    long from = writer.snapshotSeq + 1;
    List<RowId> ids = writer.rowsSeen.stream().map(seen -> new RowId(seen.seq(), seen.epoch())).toList();
    Recovery recovery;
    try {
      recovery = rules.recover(PID, from, ids, writer.starts, deletedTo);
    } catch (DeletedBelowSnapshot e) {
      deletedBelowSnapshot++;
      writer.phase = Phase.RETRY;
      return "deleted_to " + deletedTo + ": DeletedBelowSnapshot, recovers again";
    } catch (RecoveryRefused e) {
      refused = true;
      violation = NAMES[w] + "'s recovery refused (the journal is stuck): " + e.getMessage();
      return "deleted_to " + deletedTo + ": RecoveryRefused";
    }
    List<Entry> state = new ArrayList<>(writer.snapshotState);
    for (var valid : recovery.valid().entrySet()) {
      for (Seen seen : writer.rowsSeen) {
        if (seen.seq() == valid.getKey() && seen.epoch() == valid.getValue()) {
          state.add(new Entry(seen.seq(), seen.payload()));
        }
      }
    }
    writer.base = state;
    writer.start = recovery.start();
    writer.writes.clear();
    writer.deletion = Deletion.NONE;
    writer.indexed = null;
    recovered++;
    checkRecovered(w, state, writer.acksBeforeClaim);
    if (rules.has(Rule.RECORD_START)) {
      writer.phase = Phase.RECORD_START;
    } else {
      writer.phase = Phase.OWNER;
    }
    return "deleted_to " + deletedTo + ": state " + state + ", start " + recovery.start();
  }

  /** The property: every row acknowledged before the claim is in the state once, at its seq; no payload twice. */
  private void checkRecovered(int w, List<Entry> state, int acksBefore) {
    Set<String> payloadsSeen = new HashSet<>();
    for (Entry entry : state) {
      if (!payloadsSeen.add(entry.payload())) {
        violation = NAMES[w] + "'s recovered state holds " + entry.payload() + " twice: " + state;
        return;
      }
    }
    for (Ack ack : acks.subList(0, acksBefore)) {
      if (!state.contains(new Entry(ack.seq(), ack.payload()))) {
        violation = NAMES[w] + "'s recovered state " + state + " lacks acknowledged " + ack.payload() + " at "
            + ack.seq();
        return;
      }
    }
  }

  /**
   * Which segments a recovery from {@code from} reads, each with the epochs whose rows count in it:
   * {@link Segments#toRead}. Without recorded starts (the {@link Rule#RECORD_START} mutant) it cannot
   * choose: it reads every segment named and counts every row in it (no set of epochs).
   */
  private Map<UUID, Set<Long>> toRead(List<Segments.Entry> index, long from, NavigableMap<Long, Long> claimedStarts) {
    if (!rules.has(Rule.RECORD_START)) {
      Map<UUID, Set<Long>> all = new LinkedHashMap<>();
      index.forEach(entry -> all.put(entry.segment(), null));
      return all;
    }
    if (limits.has(IndexRule.READ_PER_EPOCH)) {
      return Segments.toRead(index, from, claimedStarts);
    }
    List<Segments.Entry> byFirst = new ArrayList<>(index);
    byFirst.sort(Comparator.comparingLong(Segments.Entry::first));
    int firstNeeded = 0;
    for (int i = 0; i < byFirst.size(); i++) {
      if (byFirst.get(i).first() <= from) {
        firstNeeded = i;
      }
    }
    Map<UUID, Set<Long>> segments = new LinkedHashMap<>();
    byFirst.subList(firstNeeded, byFirst.size())
        .forEach(entry -> segments.computeIfAbsent(entry.segment(), segment -> new TreeSet<>()).add(entry.epoch()));
    return segments;
  }

  /**
   * The deletion's index read and row deletes: the deletion point has landed; read the index, and
   * range-delete the rows up to {@code snapshotK} of every segment an entry dropped or trimmed names
   * ({@link Segments#deletion}, with the starts the owner knows: those at its claim, and its own).
   */
  private String deleteRows(int w, Writer writer, int mask) {
    List<Segments.Entry> index = replicas.readIndex(mask);
    long upTo = writer.snapshotK;
    Segments.Deletion deletion;
    if (!rules.has(Rule.RECORD_START)) {
      // Without recorded starts no entry can be judged dead: every one at or below the point is trimmed.
      deletion = new Segments.Deletion(List.of(),
          index.stream().filter(entry -> entry.epoch() <= writer.epoch && entry.first() <= upTo).toList());
    } else {
      TreeMap<Long, Long> known = new TreeMap<>(writer.starts);
      known.put(writer.epoch, writer.start);
      long ownEpoch = limits.has(IndexRule.DELETE_UP_TO_OWN_EPOCH) ? writer.epoch : Long.MAX_VALUE;
      deletion = Segments.deletion(index, upTo, known, ownEpoch);
      if (!limits.has(IndexRule.DROP_ONLY_DEAD_ENTRIES)) {
        List<Segments.Entry> all = new ArrayList<>(deletion.drop());
        all.addAll(deletion.trim());
        deletion = new Segments.Deletion(all, List.of());
      }
    }
    Set<UUID> segments = new LinkedHashSet<>();
    deletion.drop().forEach(entry -> segments.add(entry.segment()));
    deletion.trim().forEach(entry -> segments.add(entry.segment()));
    writer.rowDeletes.clear();
    for (UUID segment : segments) {
      writer.rowDeletes.add(replicas.sendTombstone(
          new Action(Kind.DELIVER_TOMBSTONE, w, writer.epoch, upTo, 0, segment), segment, upTo));
    }
    writer.entriesToDelete = deletion.drop();
    writer.deletion = writer.entriesToDelete.isEmpty() ? Deletion.NONE : Deletion.ROWS_DELETED;
    return "index " + describeIndex(index) + ": sends tombstones <=" + upTo + " to " + describeSegments(segments)
        + (writer.entriesToDelete.isEmpty() ? "" : ", will delete entries " + describeIndex(writer.entriesToDelete));
  }

  private String send(int w, Writer writer) {
    if (writer.segment == null || writer.rowsInSegment >= SEGMENT_ROWS) {
      writer.segment = segment(w, ++writer.segmentsOpened);
      writer.rowsInSegment = 0;
    }
    writer.rowsInSegment++;
    long seq = writer.start + writer.writes.size();
    Write write = new Write(seq, NAMES[w] + "." + writer.epoch + "." + seq);
    writer.writes.add(write);
    payloads++;
    write.landing = replicas.sendRow(new Action(Kind.DELIVER_ROW, w, writer.epoch, seq, 0, writer.segment),
        writer.segment, write.payload);
    String sent = "sends (s" + seq + ", e" + writer.epoch + ") " + write.payload + " to " + segmentName(writer.segment);
    if (!writer.segment.equals(writer.indexed)) {
      writer.indexed = writer.segment;
      write.entry = new Segments.Entry(writer.epoch, seq, writer.segment);
      if (limits.has(IndexRule.ENTRY_WITH_ROWS)) {
        sendEntry(w, write);
        sent += " with index entry";
      }
    }
    return sent;
  }

  private void sendEntry(int w, Write write) {
    Segments.Entry entry = write.entry;
    write.entryLanding = replicas.sendEntry(
        new Action(Kind.DELIVER_ENTRY, w, entry.epoch(), entry.first(), 0, entry.segment()), entry);
  }

  /** Whether a write's batch answered: its row, and its index entry if it carries one, at a quorum. */
  private boolean landed(Write write) {
    boolean entryLanded = write.entry == null || !limits.has(IndexRule.ENTRY_WITH_ROWS)
        || write.entryLanding.applied >= quorum;
    return write.landing.applied >= quorum && entryLanded;
  }

  /** The incomplete writes a confirmation read sent now would complete. */
  private List<Write> confirmable(Writer writer) {
    List<Write> confirmable = new ArrayList<>();
    boolean earlierLanded = true;
    for (Write write : writer.writes) {
      boolean landed = landed(write);
      if (!write.completed && landed && (earlierLanded || !rules.has(Rule.CONFIRM_IN_ORDER))) {
        confirmable.add(write);
      }
      earlierLanded &= landed;
    }
    return confirmable;
  }

  private String confirm(int w, Writer writer) {
    if (rules.has(Rule.CONFIRM_EPOCH) && fenceCommitted != writer.epoch) {
      writer.phase = Phase.IDLE;
      return "QUORUM read shows epoch " + fenceCommitted + ": fenced, gives up";
    }
    List<String> done = new ArrayList<>();
    for (Write write : confirmable(writer)) {
      write.completed = true;
      acks.add(new Ack(write.seq, write.payload));
      done.add(write.payload);
      if (write.entry != null && write.entryLanding == null) {
        sendEntry(w, write);
        done.add("then its index entry");
      }
    }
    return (rules.has(Rule.CONFIRM_EPOCH) ? "QUORUM read shows epoch " + fenceCommitted + ": " : "no fence read: ")
        + "acknowledges " + done;
  }

  /** The highest seq up to which this owner's state is complete. */
  private static long completedTo(Writer writer) {
    long to = writer.start - 1;
    for (Write write : writer.writes) {
      if (!write.completed) {
        break;
      }
      to = write.seq;
    }
    return to;
  }

  private String saveSnapshot(int w, Writer writer) {
    long k = completedTo(writer);
    List<Entry> state = new ArrayList<>(writer.base);
    for (Write write : writer.writes) {
      if (write.seq <= k) {
        state.add(new Entry(write.seq, write.payload));
      }
    }
    writer.snapshotK = k;
    writer.snapshotLanding = replicas.sendSnapshot(new Action(Kind.DELIVER_SNAPSHOT, w, writer.epoch, k, 0), state);
    writer.deletion = Deletion.SNAPSHOT_SENT;
    return "sends snapshot@" + k + " " + state;
  }

  private static String describeIndex(List<Segments.Entry> index) {
    if (index.isEmpty()) {
      return "empty";
    }
    StringBuilder text = new StringBuilder();
    for (Segments.Entry entry : index) {
      text.append(text.isEmpty() ? "" : ", ").append("(e").append(entry.epoch()).append(", s").append(entry.first())
          .append(", ").append(segmentName(entry.segment())).append(")");
    }
    return text.toString();
  }

  private static String describeSegments(Set<UUID> segments) {
    return segments.isEmpty() ? "no segment"
        : String.join(", ", segments.stream().map(EpochProtocolModel::segmentName).toList());
  }

  private static String describeSegments(Map<UUID, Set<Long>> segments) {
    if (segments.isEmpty()) {
      return "no segment";
    }
    List<String> names = new ArrayList<>();
    segments.forEach((segment, epochs) -> names.add(segmentName(segment)
        + (epochs == null ? "" : " for e" + String.join(",e", epochs.stream().map(String::valueOf).toList()))));
    return String.join(", ", names);
  }

  private static String describe(List<Seen> rows) {
    if (rows.isEmpty()) {
      return "no rows";
    }
    StringBuilder text = new StringBuilder();
    for (Seen seen : rows) {
      text.append(text.isEmpty() ? "" : ", ").append("(s").append(seen.seq()).append(", e").append(seen.epoch())
          .append(")");
    }
    return text.toString();
  }
}
