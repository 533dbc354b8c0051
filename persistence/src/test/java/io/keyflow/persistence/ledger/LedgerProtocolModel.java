package io.keyflow.persistence.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The request log of {@code docs/ingest.md} ("Next: a request log") for one key group, as a state
 * machine of atomic steps, explored exhaustively by {@link #explore}.
 *
 * <p>Parts:
 * <ul>
 *   <li><b>Ledgers.</b> Shares of the key group, each at a position of one of two ledgers (the
 *       ingest nodes' logs). A share's row is written in its ledger's order and lands on each of
 *       three replicas as a step of its own. Its ingest node sends the share to an owner (any of the
 *       three, current or stale: sharding and forwarding may route to either) once the row is on a
 *       quorum, at most {@link #SENDS} times (resends).</li>
 *   <li><b>Fence.</b> A linearizable epoch: claims are Paxos rounds; a {@code QUORUM} read of the
 *       fence sees every completed claim (docs/durability.md, safety argument point 2).</li>
 *   <li><b>Journal.</b> As docs/durability.md guarantees it, not its rows: an owner has at most one
 *       event in flight (typed persistence); the event lands (a step), then is confirmed if the
 *       fence still shows the owner's epoch, else the owner stops. A new owner's replay (claim, then
 *       reads and start record as one step) takes the history of the owner whose start was last
 *       recorded plus that owner's event in flight if it landed; a stopped owner's event may still
 *       land, before or after.</li>
 *   <li><b>Owners.</b> Three incarnations W1, W2, W3 claiming in that order (any may stop at any
 *       step, and a stale one goes on until a confirmation fails). After its replay an owner reads
 *       the ledgers (the rows of positions at or above its marks, from a quorum: rows on one
 *       replica seen or not, by choice), makes what it found and has not applied pending, and
 *       serves: it accepts shares (duplicates of applied or pending names are not applied again; a
 *       share below the mark of its ledger is slow, answered when an event holding it is confirmed;
 *       others are fast, answered when a later fence read shows the owner's epoch), learns ledger
 *       heads, and persists events holding every pending share with marks raised to the heads it
 *       knows.</li>
 * </ul>
 *
 * <p>Property, checked at every step: a share acknowledged before an owner's claim is, when that
 * owner serves, in its applied or pending shares; no owner applies or holds a share twice, and no
 * replayed history holds one twice; no owner acknowledges a share while the fence shows another
 * epoch. {@link #explore} visits every reachable state (two owners and two shares: about 700,000);
 * {@link #walk} takes seeded random schedules, for larger configurations.
 */
final class LedgerProtocolModel {

  /** The rules of the design; the mutation check breaks one at a time. */
  enum Rule {
    /** The ingest node sends a share only after its row is on a quorum. Broken: after one replica. */
    ROW_ON_QUORUM_BEFORE_SEND,
    /**
     * A ledger's directory entry covers a position before any row is written there, and a recovery
     * reads only the positions its directory read covers. Broken: the directory trails the rows.
     */
    DIRECTORY_BEFORE_ROWS,
    /**
     * A duplicate of a pending share is answered with the original (after a fence read or after its
     * event, as the original). Broken: at once.
     */
    DUPLICATE_WAITS_FOR_ORIGINAL,
    /** A fast share is answered after a fence read sent after its acceptance. Broken: a read before it will do. */
    CONFIRM_AFTER_ACCEPT,
    /** A share below its ledger's mark takes the slow path. Broken: every share is fast. */
    SLOW_BELOW_MARK,
    /** Shares are compared with the marks of events created. Broken: with the marks of confirmed events only. */
    MARKS_AS_CREATED,
    /** The ledgers are read after the claim. Broken: the owner reads them before it claims. */
    LEDGER_READ_AFTER_CLAIM,
    /** Ledgers are read at a quorum. Broken: one replica (rows not on all three seen or not, by choice). */
    LEDGER_READ_AT_QUORUM,
    /** An owner skips the names it applied or holds. Broken: it takes every share it is sent. */
    SKIP_KNOWN_NAMES,
    /** An event holds every pending share. Broken: the fast shares accepted since the last fence read stay behind. */
    EVENT_HOLDS_ALL_PENDING
  }

  static final int REPLICAS = 3;
  static final int SENDS = 2;
  /** Per owner: at most this many events, so every schedule ends. */
  static final int EVENTS = 2;
  private static final int MAX_OWNERS = 3;

  private static final int IDLE = 0;
  private static final int CLAIMED = 1;
  private static final int REPLAYED = 2;
  private static final int SERVING = 3;
  private static final int STOPPED = 4;

  /** The shares: ledger and position of each. */
  private final int[] ledger;
  private final int[] position;
  private final int ledgers;
  private final Set<Rule> broken;
  private final int owners;

  // Store and network
  private int written;                    // rows written (bit per share)
  private final int[] lease;              // per ledger: positions its directory entry covers
  private final int[] copies;             // replicas each row is on
  private final int[] sendsLeft;
  private final int[][] inbox;            // [owner][share] messages waiting
  private int epoch;                      // the fence
  private int claims;                     // owners that claimed so far, in order
  private int tail = -1;                  // the owner whose start was recorded last
  private int acked;                      // shares acknowledged (bit per share)

  // Owners
  private final int[] phase = new int[MAX_OWNERS];
  private final int[] ownEpoch = new int[MAX_OWNERS];
  private final int[] applied = new int[MAX_OWNERS];
  private final int[] fast = new int[MAX_OWNERS];        // pending, fast, not acknowledged yet
  private final int[] fastAcked = new int[MAX_OWNERS];   // pending, fast, acknowledged by a fence read
  private final int[] slow = new int[MAX_OWNERS];        // pending, slow
  private final int[] inFlight = new int[MAX_OWNERS];    // the event in flight (bit per share)
  private final boolean[] hasInFlight = new boolean[MAX_OWNERS];
  private final boolean[] landed = new boolean[MAX_OWNERS];
  private final int[] events = new int[MAX_OWNERS];
  private final int[][] inFlightMarks;
  private final int[][] createdMarks;
  private final int[][] confirmedMarks;
  private final int[][] heads;
  private final boolean[] confirmedOnce = new boolean[MAX_OWNERS];
  private final int[] ackedAtClaim = new int[MAX_OWNERS];
  private final int[] inFlightSlow = new int[MAX_OWNERS]; // slow shares of the event in flight: only its confirmation answers them
  private final int[] earlyRead = new int[MAX_OWNERS];   // Rule LEDGER_READ_AFTER_CLAIM broken: rows read before the claim
  private final boolean[] readEarly = new boolean[MAX_OWNERS];

  private String violation;
  private final List<String> trace = new ArrayList<>();
  /** Coverage, not state: a share was answered by a fence read (fast) / by its event (slow) / found by a recovery. */
  private boolean answeredFast;
  private boolean answeredSlow;
  private boolean recoveredFromLedger;

  /** Shares given as (ledger, position) pairs; positions of a ledger 0, 1, ... in the order given. */
  LedgerProtocolModel(int[] ledgerOfShare, int owners, Set<Rule> broken) {
    if (owners < 1 || owners > MAX_OWNERS) {
      throw new IllegalArgumentException("1 to " + MAX_OWNERS + " owners, not " + owners);
    }
    this.owners = owners;
    int n = ledgerOfShare.length;
    this.ledger = ledgerOfShare.clone();
    this.position = new int[n];
    int max = 0;
    for (int i = 0; i < n; i++) {
      int p = 0;
      for (int j = 0; j < i; j++) {
        p += ledger[j] == ledger[i] ? 1 : 0;
      }
      position[i] = p;
      max = Math.max(max, ledger[i] + 1);
    }
    this.ledgers = max;
    this.broken = broken.isEmpty() ? EnumSet.noneOf(Rule.class) : EnumSet.copyOf(broken);
    this.copies = new int[n];
    this.lease = new int[ledgers];
    this.sendsLeft = new int[n];
    Arrays.fill(sendsLeft, SENDS);
    this.inbox = new int[MAX_OWNERS][n];
    this.inFlightMarks = new int[MAX_OWNERS][ledgers];
    this.createdMarks = new int[MAX_OWNERS][ledgers];
    this.confirmedMarks = new int[MAX_OWNERS][ledgers];
    this.heads = new int[MAX_OWNERS][ledgers];
  }

  private LedgerProtocolModel(LedgerProtocolModel o) {
    ledger = o.ledger;
    position = o.position;
    ledgers = o.ledgers;
    broken = o.broken;
    owners = o.owners;
    lease = o.lease.clone();
    written = o.written;
    copies = o.copies.clone();
    sendsLeft = o.sendsLeft.clone();
    inbox = deep(o.inbox);
    epoch = o.epoch;
    claims = o.claims;
    tail = o.tail;
    acked = o.acked;
    System.arraycopy(o.phase, 0, phase, 0, MAX_OWNERS);
    System.arraycopy(o.ownEpoch, 0, ownEpoch, 0, MAX_OWNERS);
    System.arraycopy(o.applied, 0, applied, 0, MAX_OWNERS);
    System.arraycopy(o.fast, 0, fast, 0, MAX_OWNERS);
    System.arraycopy(o.fastAcked, 0, fastAcked, 0, MAX_OWNERS);
    System.arraycopy(o.slow, 0, slow, 0, MAX_OWNERS);
    System.arraycopy(o.inFlight, 0, inFlight, 0, MAX_OWNERS);
    System.arraycopy(o.hasInFlight, 0, hasInFlight, 0, MAX_OWNERS);
    System.arraycopy(o.landed, 0, landed, 0, MAX_OWNERS);
    System.arraycopy(o.events, 0, events, 0, MAX_OWNERS);
    inFlightMarks = deep(o.inFlightMarks);
    createdMarks = deep(o.createdMarks);
    confirmedMarks = deep(o.confirmedMarks);
    heads = deep(o.heads);
    System.arraycopy(o.confirmedOnce, 0, confirmedOnce, 0, MAX_OWNERS);
    System.arraycopy(o.ackedAtClaim, 0, ackedAtClaim, 0, MAX_OWNERS);
    System.arraycopy(o.earlyRead, 0, earlyRead, 0, MAX_OWNERS);
    System.arraycopy(o.readEarly, 0, readEarly, 0, MAX_OWNERS);
    System.arraycopy(o.inFlightSlow, 0, inFlightSlow, 0, MAX_OWNERS);
    violation = o.violation;
    trace.addAll(o.trace);
    answeredFast = o.answeredFast;
    answeredSlow = o.answeredSlow;
    recoveredFromLedger = o.recoveredFromLedger;
  }

  private static int[][] deep(int[][] a) {
    int[][] c = new int[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  private boolean has(Rule rule) {
    return !broken.contains(rule);
  }

  private int shares() {
    return ledger.length;
  }

  String violation() {
    return violation;
  }

  List<String> trace() {
    return trace;
  }

  /** Every state reachable in one step, each with the step appended to its trace. */
  List<LedgerProtocolModel> successors() {
    List<LedgerProtocolModel> next = new ArrayList<>();
    int n = shares();
    for (int share = 0; share < n; share++) {
      int i = share;
      boolean previousWritten = true;
      for (int j = 0; j < i; j++) {
        if (ledger[j] == ledger[i] && (written & bit(j)) == 0) {
          previousWritten = false;
        }
      }
      if ((written & bit(i)) == 0 && previousWritten) {
        // Correct: the node's directory entry covers the position before the row is written (one
        // step: nothing can read between the two that sees the row). Broken: the entry trails.
        next.add(step("write row of s" + i, m -> {
          m.written |= bit(i);
          if (m.has(Rule.DIRECTORY_BEFORE_ROWS)) {
            m.lease[ledger[i]] = Math.max(m.lease[ledger[i]], position[i] + 1);
          }
        }));
      }
      // With quorum reads a third copy changes nothing: rows stop at two unless that rule is broken.
      int most = has(Rule.LEDGER_READ_AT_QUORUM) ? 2 : REPLICAS;
      if ((written & bit(i)) != 0 && copies[i] < most) {
        next.add(step("row of s" + i + " lands on a replica", m -> m.copies[i]++));
      }
      int needed = has(Rule.ROW_ON_QUORUM_BEFORE_SEND) ? 2 : 1;
      if (copies[i] >= needed && sendsLeft[i] > 0) {
        for (int w = 0; w < owners; w++) {
          int owner = w;
          if (phase[w] != STOPPED) {
            next.add(step("send s" + i + " to W" + (w + 1), m -> {
              m.sendsLeft[i]--;
              m.inbox[owner][i]++;
            }));
          }
        }
      }
    }
    for (int l = 0; l < ledgers; l++) {
      int ledgerIndex = l;
      int rowsWritten = 0;
      for (int i = 0; i < n; i++) {
        if (ledger[i] == l) {
          rowsWritten += (written & bit(i)) != 0 ? 1 : 0;
        }
      }
      if (!has(Rule.DIRECTORY_BEFORE_ROWS) && lease[l] < rowsWritten) {
        next.add(step("directory of ledger " + l + " covers position " + lease[l], m -> m.lease[ledgerIndex]++));
      }
    }
    for (int w = 0; w < owners; w++) {
      ownerSteps(w, next);
    }
    return next;
  }

  private void ownerSteps(int w, List<LedgerProtocolModel> next) {
    String name = "W" + (w + 1);
    if (hasInFlight[w] && !landed[w]) {
      next.add(step(name + "'s event lands", m -> m.landed[w] = true));
    }
    switch (phase[w]) {
      case IDLE -> {
        if (claims == w) {
          next.add(step(name + " claims epoch " + (epoch + 1), m -> {
            m.epoch++;
            m.claims++;
            m.ownEpoch[w] = m.epoch;
            m.phase[w] = CLAIMED;
            m.ackedAtClaim[w] = m.acked;
          }));
        }
        if (!has(Rule.LEDGER_READ_AFTER_CLAIM) && !readEarly[w] && claims == w) {
          for (int seen : readChoices(null)) {
            next.add(step(name + " reads the ledgers before claiming" + seenText(seen), m -> {
              m.readEarly[w] = true;
              m.earlyRead[w] = seen;
            }));
          }
        }
      }
      case CLAIMED -> next.add(step(name + " replays (reads the journal, records its start)", m -> m.replay(w)));
      case REPLAYED -> {
        if (has(Rule.LEDGER_READ_AFTER_CLAIM)) {
          for (int seen : readChoices(createdMarks[w])) {
            next.add(step(name + " reads the ledgers from its marks" + seenText(seen), m -> m.serve(w, seen)));
          }
        } else {
          int seen = readEarly[w] ? aboveMarks(earlyRead[w], createdMarks[w]) : 0;
          next.add(step(name + " serves with the ledger rows it read before claiming" + seenText(seen),
              m -> m.serve(w, seen)));
        }
      }
      case SERVING -> servingSteps(w, name, next);
      default -> {
      }
    }
    if (phase[w] != STOPPED && phase[w] != IDLE) {
      next.add(step(name + " stops", m -> m.stop(w)));
    }
  }

  private void servingSteps(int w, String name, List<LedgerProtocolModel> next) {
    for (int i = 0; i < shares(); i++) {
      int s = i;
      if (inbox[w][i] > 0) {
        next.add(step(name + " accepts s" + i, m -> m.accept(w, s)));
      }
    }
    if (fast[w] != 0 || hasInFlight[w] && (inFlight[w] & ~inFlightSlow[w] & ~acked) != 0) {
      next.add(step(name + " reads the fence", m -> m.confirm(w)));
    }
    for (int l = 0; l < ledgers; l++) {
      int head = 0;
      for (int i = 0; i < shares(); i++) {
        if (ledger[i] == l && (written & bit(i)) != 0) {
          head = Math.max(head, position[i] + 1);
        }
      }
      if (head > heads[w][l]) {
        int ledgerIndex = l;
        int learned = head;
        next.add(step(name + " learns head " + head + " of ledger " + l, m -> m.heads[w][ledgerIndex] = learned));
      }
    }
    if (!hasInFlight[w] && events[w] < EVENTS) {
      int pending = fast[w] | fastAcked[w] | slow[w];
      boolean raises = false;
      for (int l = 0; l < ledgers; l++) {
        raises |= heads[w][l] > createdMarks[w][l];
      }
      if (pending != 0 || raises) {
        next.add(step(name + " persists an event", m -> m.persist(w)));
      }
    }
    if (hasInFlight[w] && landed[w]) {
      next.add(step(name + " confirms its event", m -> m.confirmEvent(w)));
    }
  }

  /**
   * Stops {@code w}: what is left of it is what others may still see (its history, if its start was
   * the last recorded, and its event in flight, which may land); the rest is cleared so that states
   * that differ only there are one.
   */
  private void stop(int w) {
    phase[w] = STOPPED;
    ownEpoch[w] = 0;
    fast[w] = 0;
    fastAcked[w] = 0;
    slow[w] = 0;
    Arrays.fill(inbox[w], 0);
    Arrays.fill(createdMarks[w], 0);
    Arrays.fill(heads[w], 0);
    confirmedOnce[w] = false;
    ackedAtClaim[w] = 0;
    earlyRead[w] = 0;
    readEarly[w] = false;
    events[w] = 0;
    inFlightSlow[w] = 0;
    if (tail != w) {
      applied[w] = 0;
      Arrays.fill(confirmedMarks[w], 0);
    }
  }

  private void replay(int w) {
    if (epoch != ownEpoch[w]) {
      stop(w); // its start record is refused: another owner claimed since
      return;
    }
    int history = 0;
    int[] marks = new int[ledgers];
    if (tail >= 0) {
      history = applied[tail];
      marks = confirmedMarks[tail].clone();
      if (hasInFlight[tail] && landed[tail]) {
        if ((history & inFlight[tail]) != 0) {
          fail("the history of W" + (w + 1) + " holds a share twice");
        }
        history |= inFlight[tail];
        marks = inFlightMarks[tail].clone();
      }
    }
    tail = w;
    applied[w] = history;
    createdMarks[w] = marks.clone();
    confirmedMarks[w] = marks.clone();
    heads[w] = marks.clone();
    phase[w] = REPLAYED;
  }

  private void serve(int w, int seen) {
    int found = seen & ~applied[w];
    slow[w] |= found;
    recoveredFromLedger |= (found & acked) != 0;
    for (int i = 0; i < shares(); i++) {
      if ((found & bit(i)) != 0) {
        heads[w][ledger[i]] = Math.max(heads[w][ledger[i]], position[i] + 1);
      }
    }
    phase[w] = SERVING;
    int missing = ackedAtClaim[w] & ~(applied[w] | slow[w]);
    ackedAtClaim[w] = 0;
    readEarly[w] = false;
    earlyRead[w] = 0;
    if (missing != 0) {
      fail("W" + (w + 1) + " serves without " + shareList(missing) + ", acknowledged before its claim");
    }
  }

  private void accept(int w, int s) {
    inbox[w][s]--;
    heads[w][ledger[s]] = Math.max(heads[w][ledger[s]], position[s] + 1);
    int known = applied[w] | fast[w] | fastAcked[w] | slow[w] | (hasInFlight[w] ? inFlight[w] : 0);
    if ((known & bit(s)) != 0 && has(Rule.SKIP_KNOWN_NAMES)) {
      if ((applied[w] & bit(s)) != 0 || !has(Rule.DUPLICATE_WAITS_FOR_ORIGINAL)) {
        acked |= bit(s); // in its confirmed journal already: a duplicate, answered at once, by any owner
      }
      return; // pending: answered with the original
    }
    if ((known & bit(s)) != 0) {
      fail("W" + (w + 1) + " applies s" + s + " a second time");
    }
    int[] marks = has(Rule.MARKS_AS_CREATED) ? createdMarks[w] : confirmedMarks[w];
    if (position[s] < marks[ledger[s]] && has(Rule.SLOW_BELOW_MARK)) {
      slow[w] |= bit(s);
    } else if (!has(Rule.CONFIRM_AFTER_ACCEPT) && confirmedOnce[w]) {
      fastAcked[w] |= bit(s); // broken: an earlier fence read counts for it
      acknowledge(w, bit(s));
    } else {
      fast[w] |= bit(s);
    }
  }

  private void confirm(int w) {
    if (epoch != ownEpoch[w]) {
      stop(w);
      return;
    }
    confirmedOnce[w] = true;
    int now = fast[w] | (hasInFlight[w] ? inFlight[w] & ~inFlightSlow[w] : 0);
    fastAcked[w] |= fast[w];
    fast[w] = 0;
    answeredFast |= (now & ~acked) != 0;
    acknowledge(w, now);
  }


  private void persist(int w) {
    int holds = fastAcked[w] | slow[w] | (has(Rule.EVENT_HOLDS_ALL_PENDING) ? fast[w] : 0);
    inFlight[w] = holds;
    inFlightSlow[w] = slow[w];
    hasInFlight[w] = true;
    landed[w] = false;
    events[w]++;
    int[] marks = createdMarks[w].clone();
    for (int l = 0; l < ledgers; l++) {
      marks[l] = Math.max(marks[l], heads[w][l]);
    }
    inFlightMarks[w] = marks;
    createdMarks[w] = marks.clone();
    fastAcked[w] = 0;
    slow[w] = 0;
    if (has(Rule.EVENT_HOLDS_ALL_PENDING)) {
      fast[w] = 0; // in the event now: answered by a later fence read or by the event's confirmation
    }
  }

  private void confirmEvent(int w) {
    if (epoch != ownEpoch[w]) {
      stop(w);
      return;
    }
    if ((applied[w] & inFlight[w]) != 0) {
      fail("W" + (w + 1) + " applies " + shareList(applied[w] & inFlight[w]) + " a second time");
    }
    applied[w] |= inFlight[w];
    confirmedMarks[w] = inFlightMarks[w].clone();
    answeredSlow |= (inFlightSlow[w] & ~acked) != 0;
    acknowledge(w, inFlight[w]);
    hasInFlight[w] = false;
    landed[w] = false;
    inFlight[w] = 0;
    inFlightSlow[w] = 0;
  }

  private void acknowledge(int w, int shareBits) {
    if (shareBits == 0) {
      return;
    }
    if (epoch != ownEpoch[w]) {
      fail("W" + (w + 1) + " acknowledged " + shareList(shareBits) + " while the fence shows epoch " + epoch);
    }
    acked |= shareBits;
  }

  /** The sets of rows a ledger read may see: rows on a quorum always, the others by choice. */
  private List<Integer> readChoices(int[] marks) {
    int sure = 0;
    int maybe = 0;
    int full = has(Rule.LEDGER_READ_AT_QUORUM) ? 2 : REPLICAS;
    for (int i = 0; i < shares(); i++) {
      if (marks != null && position[i] < marks[ledger[i]] || position[i] >= lease[ledger[i]]) {
        continue;
      }
      if (copies[i] >= full) {
        sure |= bit(i);
      } else if (copies[i] > 0) {
        maybe |= bit(i);
      }
    }
    List<Integer> choices = new ArrayList<>();
    for (int sub = maybe; ; sub = (sub - 1) & maybe) {
      choices.add(sure | sub);
      if (sub == 0) {
        break;
      }
    }
    return choices;
  }

  private int aboveMarks(int seen, int[] marks) {
    int kept = 0;
    for (int i = 0; i < shares(); i++) {
      if ((seen & bit(i)) != 0 && position[i] >= marks[ledger[i]]) {
        kept |= bit(i);
      }
    }
    return kept;
  }

  private String seenText(int seen) {
    return seen == 0 ? " (no row)" : " (" + shareList(seen) + ")";
  }

  private static String shareList(int bits) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; bits >> i != 0; i++) {
      if ((bits & bit(i)) != 0) {
        s.append(s.length() == 0 ? "" : ", ").append('s').append(i);
      }
    }
    return s.toString();
  }

  private void fail(String why) {
    if (violation == null) {
      violation = why;
    }
  }

  private static int bit(int i) {
    return 1 << i;
  }

  private interface Change {
    void apply(LedgerProtocolModel m);
  }

  private LedgerProtocolModel step(String what, Change change) {
    LedgerProtocolModel m = new LedgerProtocolModel(this);
    change.apply(m);
    m.trace.add(what);
    return m;
  }

  /**
   * The state without its trace, as a 64-bit hash for the set of states seen. Two states hashing
   * alike would leave one unexplored; over ten million states the chance is about one in 10^5.
   */
  long hash() {
    long[] h = {0x243F6A8885A308D3L};
    mix(h, written);
    mix(h, epoch);
    mix(h, claims);
    mix(h, tail);
    mix(h, acked);
    mixAll(h, lease);
    mixAll(h, copies);
    mixAll(h, sendsLeft);
    for (int w = 0; w < owners; w++) {
      mixAll(h, inbox[w]);
      mix(h, phase[w]);
      mix(h, ownEpoch[w]);
      mix(h, applied[w]);
      mix(h, fast[w]);
      mix(h, fastAcked[w]);
      mix(h, slow[w]);
      mix(h, inFlight[w]);
      mix(h, (hasInFlight[w] ? 1 : 0) | (landed[w] ? 2 : 0) | (confirmedOnce[w] ? 4 : 0) | (readEarly[w] ? 8 : 0));
      mix(h, events[w]);
      mixAll(h, inFlightMarks[w]);
      mixAll(h, createdMarks[w]);
      mixAll(h, confirmedMarks[w]);
      mixAll(h, heads[w]);
      mix(h, ackedAtClaim[w]);
      mix(h, earlyRead[w]);
      mix(h, inFlightSlow[w]);
    }
    return h[0];
  }

  private static void mix(long[] h, int v) {
    long x = (h[0] ^ v) * 0x9E3779B97F4A7C15L;
    h[0] = x ^ (x >>> 31);
  }

  private static void mixAll(long[] h, int[] values) {
    for (int v : values) {
      mix(h, v);
    }
    mix(h, -1);
  }

  /** What an exhaustive exploration found: the states visited, and the first violation with its schedule. */
  record Exploration(long states, LedgerProtocolModel counterexample, boolean answeredFast, boolean answeredSlow,
      boolean recoveredFromLedger) {}

  /** Visits every reachable state (depth first, each state once); stops at the first violation. */
  static Exploration explore(int[] ledgerOfShare, int owners, Set<Rule> broken, long maxStates) {
    LongSet seen = new LongSet();
    java.util.ArrayDeque<LedgerProtocolModel> stack = new java.util.ArrayDeque<>();
    LedgerProtocolModel start = new LedgerProtocolModel(ledgerOfShare, owners, broken);
    stack.push(start);
    seen.add(start.hash());
    boolean fast = false;
    boolean slow = false;
    boolean recovered = false;
    while (!stack.isEmpty()) {
      LedgerProtocolModel m = stack.pop();
      for (LedgerProtocolModel n : m.successors()) {
        if (n.violation != null) {
          return new Exploration(seen.size(), n, fast, slow, recovered);
        }
        fast |= n.answeredFast;
        slow |= n.answeredSlow;
        recovered |= n.recoveredFromLedger;
        if (seen.add(n.hash())) {
          if (seen.size() > maxStates) {
            throw new IllegalStateException("more than " + maxStates + " states");
          }
          stack.push(n);
        }
      }
      m.trace.clear();
    }
    return new Exploration(seen.size(), null, fast, slow, recovered);
  }

  /** What random walks found: the steps taken, and the first violation with its schedule. */
  record Walks(long steps, LedgerProtocolModel counterexample) {}

  /**
   * {@code walks} seeded random schedules from the start, each taking a uniformly chosen step until
   * none is possible (every schedule ends: rows, sends, claims and events are bounded); stops at the
   * first violation. For configurations too large to enumerate.
   */
  static Walks walk(int[] ledgerOfShare, int owners, Set<Rule> broken, long seed, int walks) {
    java.util.Random random = new java.util.Random(seed);
    long steps = 0;
    for (int i = 0; i < walks; i++) {
      LedgerProtocolModel m = new LedgerProtocolModel(ledgerOfShare, owners, broken);
      while (true) {
        List<LedgerProtocolModel> next = m.successors();
        if (next.isEmpty()) {
          break;
        }
        m = next.get(random.nextInt(next.size()));
        steps++;
        if (m.violation != null) {
          return new Walks(steps, m);
        }
      }
    }
    return new Walks(steps, null);
  }

  /** A set of 64-bit hashes, open addressing (the states seen: a boxed set would take ten times the memory). */
  private static final class LongSet {
    private long[] slots = new long[1 << 20];
    private boolean zeroSeen;
    private int size;

    boolean add(long h) {
      if (h == 0) {
        boolean added = !zeroSeen;
        zeroSeen = true;
        size += added ? 1 : 0;
        return added;
      }
      if (size * 2 >= slots.length) {
        long[] old = slots;
        slots = new long[old.length * 2];
        size = zeroSeen ? 1 : 0;
        for (long o : old) {
          if (o != 0) {
            insert(o);
          }
        }
      }
      return insert(h);
    }

    private boolean insert(long h) {
      int mask = slots.length - 1;
      int i = (int) (h ^ (h >>> 32)) & mask;
      while (slots[i] != 0) {
        if (slots[i] == h) {
          return false;
        }
        i = (i + 1) & mask;
      }
      slots[i] = h;
      size++;
      return true;
    }

    int size() {
      return size;
    }
  }
}
