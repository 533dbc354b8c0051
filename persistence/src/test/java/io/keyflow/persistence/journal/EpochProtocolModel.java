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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * One persistence id of the epoch-fenced journal as a state machine of atomic steps: three writers,
 * a linearizable fence row, three replicas of the journal rows, of the deletion point and of the
 * snapshot store, and every message between them in flight until the schedule delivers it (or never).
 * {@link #enabled()} lists the steps possible now; {@link #apply} takes one. The recovery decision
 * is {@link EpochRules#recover}; the writer and the store follow the rules {@link EpochRules#has}.
 *
 * <p>A step is an {@link Action}, a value: replaying a list of actions (skipping the ones not
 * enabled) is how the test shrinks a counterexample.
 */
final class EpochProtocolModel {

  static final int REPLICAS = EpochProtocolReplicas.REPLICAS;
  private static final String PID = "pipeline|stage|7";
  private static final String[] NAMES = {"W1", "W2", "W3"};
  static final int WRITERS = NAMES.length;

  /**
   * Bounds of one schedule, and two switches: {@code replicaLoss} enables the fault "one replica
   * loses its journal rows" (once per schedule; for {@link Rule#GAP_FAILS} only);
   * {@code deletionPointIsMax} makes the deletion point a max register (each replica and each read
   * keeps the highest value written) instead of the last written {@code max(old, k)}, which a
   * paused owner can lower.
   */
  record Limits(int recoveries, int rowsPerOwnership, int payloads, boolean replicaLoss, boolean deletionPointIsMax) {
    Limits withReplicaLoss() {
      return new Limits(recoveries, rowsPerOwnership, payloads, true, deletionPointIsMax);
    }

    Limits withDeletionPointAsWritten() {
      return new Limits(recoveries, rowsPerOwnership, payloads, replicaLoss, false);
    }
  }

  enum Kind {
    LOAD_SNAPSHOT, READ_FENCE, CLAIM, COMMIT_CLAIM, READ_ROWS, READ_DELETED_TO, RECORD_START,
    SEND, CONFIRM, STOP, SAVE_SNAPSHOT, SNAPSHOT_SAVED, READ_OLD_DELETED_TO, WRITE_DELETED_TO, DELETE_ROWS,
    DELIVER_ROW, DELIVER_SNAPSHOT, DELIVER_DELETED_TO, DELIVER_TOMBSTONE, LOSE_ROWS
  }

  /**
   * One step. {@code writer} is the acting writer, or for a delivery the writer that sent it;
   * {@code replicas} a bit set of the replicas read, or the one replica a delivery reaches; for a
   * delivery {@code epoch} and {@code seq} name the message (its epoch and sequence number or k).
   */
  record Action(Kind kind, int writer, long epoch, long seq, int replicas) {
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
        case DELIVER_ROW -> "row (s" + seq + ", e" + epoch + ") of " + who + " lands on r" + replicas;
        case DELIVER_SNAPSHOT -> "snapshot@" + seq + " of " + who + " lands on r" + replicas;
        case DELIVER_DELETED_TO -> "deleted_to=" + seq + " of " + who + " lands on r" + replicas;
        case DELIVER_TOMBSTONE -> "tombstone <=" + seq + " of " + who + " lands on r" + replicas;
        case LOSE_ROWS -> "FAULT: r" + replicas + " loses its journal rows";
        default -> who + " " + kind.name().toLowerCase().replace('_', '-')
            + (replicas != 0 ? " @" + replicaNames(replicas) : "");
      };
    }
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

  private enum Phase { IDLE, RETRY, READ_FENCE, CLAIM, CLAIM_COMMIT, READ_ROWS, READ_DELETED_TO, RECORD_START, OWNER }

  private enum Deletion { NONE, SNAPSHOT_SENT, SNAPSHOT_DONE, OLD_READ, DELETED_TO_SENT }

  private static final class Write {
    final long seq;
    final String payload;
    Landing landing;
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
          into.add(new Action(Kind.DELETE_ROWS, w, 0, 0, 0));
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
      case DELIVER_ROW, DELIVER_SNAPSHOT, DELIVER_DELETED_TO, DELIVER_TOMBSTONE -> {
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
        writer.phase = Phase.READ_ROWS;
        yield "claim of epoch " + writer.epoch + " committed at a quorum";
      }
      case READ_ROWS -> {
        writer.rowsSeen = replicas.readRows(writer.snapshotSeq + 1, action.replicas());
        writer.phase = Phase.READ_DELETED_TO;
        yield "sees " + describe(writer.rowsSeen);
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
      case CONFIRM -> confirm(writer);
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
      case DELETE_ROWS -> {
        replicas.sendTombstone(new Action(Kind.DELIVER_TOMBSTONE, w, writer.epoch, writer.snapshotK, 0),
            writer.snapshotK);
        writer.deletion = Deletion.NONE;
        yield "sends tombstones <=" + writer.snapshotK;
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

  private String send(int w, Writer writer) {
    long seq = writer.start + writer.writes.size();
    Write write = new Write(seq, NAMES[w] + "." + writer.epoch + "." + seq);
    writer.writes.add(write);
    payloads++;
    write.landing = replicas.sendRow(new Action(Kind.DELIVER_ROW, w, writer.epoch, seq, 0), write.payload);
    return "sends (s" + seq + ", e" + writer.epoch + ") " + write.payload;
  }

  /** The incomplete writes a confirmation read sent now would complete. */
  private List<Write> confirmable(Writer writer) {
    List<Write> confirmable = new ArrayList<>();
    boolean earlierLanded = true;
    for (Write write : writer.writes) {
      boolean landed = write.landing.applied >= quorum;
      if (!write.completed && landed && (earlierLanded || !rules.has(Rule.CONFIRM_IN_ORDER))) {
        confirmable.add(write);
      }
      earlierLanded &= landed;
    }
    return confirmable;
  }

  private String confirm(Writer writer) {
    if (rules.has(Rule.CONFIRM_EPOCH) && fenceCommitted != writer.epoch) {
      writer.phase = Phase.IDLE;
      return "QUORUM read shows epoch " + fenceCommitted + ": fenced, gives up";
    }
    List<String> done = new ArrayList<>();
    for (Write write : confirmable(writer)) {
      write.completed = true;
      acks.add(new Ack(write.seq, write.payload));
      done.add(write.payload);
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
