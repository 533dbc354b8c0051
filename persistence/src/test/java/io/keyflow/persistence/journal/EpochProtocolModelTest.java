package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.journal.EpochProtocolModel.Action;
import io.keyflow.persistence.journal.EpochProtocolModel.Kind;
import io.keyflow.persistence.journal.EpochProtocolModel.Limits;
import io.keyflow.persistence.journal.EpochProtocolSearch.Run;
import io.keyflow.persistence.journal.EpochRules.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model check of the epoch-fenced journal ({@link FencedCassandraJournal}) with the rules the journal
 * runs ({@link EpochRules}): {@link EpochProtocolModel} is one persistence id with three writers that
 * recover, write (pipelined), stop, pause while another recovers and wake to go on; a linearizable
 * fence row; three replicas of the rows, of the deletion point and of the snapshot store, read two
 * at a time (QUORUM, with blocking read repair of rows and deletion point); every message in flight
 * until the schedule delivers it, late or never, including the rows of a write its writer gave up
 * on; snapshots and deletes below them ({@link EpochProtocolReplicas} is the store). The outputs
 * are the acknowledged rows.
 *
 * <p>Property, checked at every recovery that decides a state: every row acknowledged before that
 * recovery claimed its epoch is in the recovered state (snapshot + valid rows) exactly once, at its
 * sequence number; no payload is in it twice; no recovery is refused other than by
 * {@code DeletedBelowSnapshot} (a stuck journal loses what it holds).
 *
 * <p>Exploration: seeded random schedules, each seed also drawing how it schedules (swarm testing:
 * bursts of one actor, how often owners stop, writers frozen for 10-50 steps), bounded by
 * recoveries, rows per ownership, payloads and steps; 30 000 schedules for the property, a few
 * seconds ({@link EpochProtocolSearch}). Counterexamples are shrunk step by step to a shortest
 * one and logged.
 *
 * <p>Mutation check: dropping any one {@link Rule} yields a counterexample. {@link Rule#GAP_FAILS}
 * guards against rows lost outside the protocol, which the fault-free model cannot lose (the
 * search finds no counterexample without the rule there), so its case adds a model fault, "one
 * replica loses its journal rows" (a node replaced without repair), used for that case only: the
 * counterexample is a schedule where the journal without the rule recovers silently over a lost
 * acknowledged row while, on the same schedule, the full rules refuse to recover. The
 * counterexample of {@link Rule#VALID_FROM_START} is a recovery that lost its epoch while reading:
 * its starts predate two later owners, whose rows it would take as valid, both at one sequence
 * number, and refuse.
 *
 * <p>Found by the model: the deletion point, written as {@code max(read, k)}, can be lowered by a
 * paused owner that read it before a newer owner deleted further; a recovery from a snapshot older
 * than the newer owner's then misses deleted acknowledged rows without {@code DeletedBelowSnapshot}
 * ({@link #pausedOwnerLowersADeletionPointWrittenAsTheMaxOfARead}; the random search finds it too).
 * The model therefore checks the protocol with the deletion point kept as a max register (each
 * replica and read keeps the highest value, e.g. one clustering row per deletion point, read as the
 * greatest), which the journal must adopt.
 *
 * <p>Not modelled: several persistence ids per fence partition ({@link FenceConfirmer} batching;
 * its read is still sent after the rows landed), journal partitions, atomic writes of several
 * events, fence replicas (LWT outcomes are atomic here, an unknown outcome is resolved by a serial
 * read, equivalent to knowing it; a claim is accepted, then committed at a quorum in a step of its
 * own, and QUORUM reads of the fence — a claim's guess, a confirmation — see, adversarially, only
 * committed claims: that they see every claim committed at a quorum is the quorum intersection
 * argued in docs/durability.md, not modelled), reads that see replicas at different
 * instants, hinted handoff, clock skew between writers' timestamps (they are one logical clock),
 * snapshot-store repair, and crashes in the middle of a recovery other than by never being scheduled.
 */
class EpochProtocolModelTest {

  private static final Logger log = LoggerFactory.getLogger(EpochProtocolModelTest.class);

  /** Owners with long pipelines: 5 recoveries, 3 rows per ownership, 6 payloads. */
  private static final Limits LIMITS = new Limits(5, 3, 6, false, true);
  /** Many short ownerships, which reach paused deleters: 8 recoveries, 2 rows per ownership, 4 payloads. */
  private static final Limits TURNOVER = new Limits(8, 2, 4, false, true);

  @Test
  void everyAcknowledgedRowIsRecoveredOnceAtItsSequenceNumber() {
    long began = System.nanoTime();
    Totals totals = new Totals();
    explore(LIMITS, 60, 10_000, totals);
    explore(LIMITS, 120, 10_000, totals);
    explore(TURNOVER, 120, 10_000, totals);
    log.info("{} schedules, {} steps, {} recoveries checked ({} met DeletedBelowSnapshot), {} rows acknowledged,"
        + " no violation, in {} ms", totals.schedules, totals.steps, totals.recovered, totals.deletedBelowSnapshot,
        totals.acks, (System.nanoTime() - began) / 1_000_000);
    assertThat(totals.deletedBelowSnapshot).as("schedules reach deletes that recoveries run into").isPositive();
    assertThat(totals.acks).as("rows acknowledged").isGreaterThan(totals.schedules / 2);
  }

  private static final class Totals {
    int schedules;
    long steps;
    long recovered;
    long deletedBelowSnapshot;
    long acks;
  }

  private static void explore(Limits limits, int maxSteps, int seeds, Totals totals) {
    for (long seed = 0; seed < seeds; seed++) {
      Run run = EpochProtocolSearch.schedule(EpochRules.ALL, limits, seed, maxSteps);
      assertThat(run.model().violation())
          .as("seed %d, %d steps, %s:%n%s", seed, maxSteps, limits, String.join("\n", run.model().trace()))
          .isNull();
      totals.schedules++;
      totals.steps += run.actions().size();
      totals.recovered += run.model().recovered();
      totals.deletedBelowSnapshot += run.model().deletedBelowSnapshot();
      totals.acks += run.model().acks().size();
    }
  }

  @Test
  void droppingAnyRuleYieldsACounterexample() {
    int[] stepBounds = {25, 45, 80, 120};
    for (Rule rule : Rule.values()) {
      long began = System.nanoTime();
      Run run;
      if (rule == Rule.GAP_FAILS) {
        Limits faulty = LIMITS.withReplicaLoss();
        run = EpochProtocolSearch.counterexample(EpochRules.without(rule), faulty, stepBounds, 4_000,
            found -> found.violates() && !found.model().refused()
                && EpochProtocolSearch.replay(EpochRules.ALL, faulty, found.actions()).model().refused());
      } else {
        run = EpochProtocolSearch.counterexample(EpochRules.without(rule), LIMITS, stepBounds, 4_000, Run::violates);
      }
      long ms = (System.nanoTime() - began) / 1_000_000;
      assertThat(run).as("a counterexample without %s", rule).isNotNull();
      log.info("without {} ({} steps, found in {} ms): {}\n  {}", rule, run.actions().size(), ms,
          run.model().violation(), String.join("\n  ", run.model().trace()));
    }
  }

  @Test
  void searchFindsThePausedDeleterUnaided() {
    Limits asWritten = TURNOVER.withDeletionPointAsWritten();
    long began = System.nanoTime();
    Run run = EpochProtocolSearch.counterexample(EpochRules.ALL, asWritten, new int[] {120}, 20_000, Run::violates);
    assertThat(run).as("a counterexample with the deletion point written as max(read, k)").isNotNull();
    log.info("deletion point written as max(read, k), all rules ({} steps, found in {} ms): {}\n  {}",
        run.actions().size(), (System.nanoTime() - began) / 1_000_000, run.model().violation(),
        String.join("\n  ", run.model().trace()));
    assertThat(run.model().trace()).anyMatch(step -> step.contains("write-deleted-to"));
  }

  // ---------------------------------------------------------------------------------------------
  // Scripted schedules

  private static final int R01 = 0b011;

  private static Action step(Kind kind, int writer) {
    return new Action(kind, writer, 0, 0, 0);
  }

  private static Action read(Kind kind, int writer, int replicas) {
    return new Action(kind, writer, 0, 0, replicas);
  }

  private static Action lands(Kind kind, int writer, long epoch, long seq, int replica) {
    return new Action(kind, writer, epoch, seq, replica);
  }

  /** A whole recovery of {@code writer}, every read at r0 and r1. */
  private static List<Action> recovery(int writer) {
    return List.of(read(Kind.LOAD_SNAPSHOT, writer, R01), step(Kind.READ_FENCE, writer), step(Kind.CLAIM, writer),
        step(Kind.COMMIT_CLAIM, writer), read(Kind.READ_ROWS, writer, R01), read(Kind.READ_DELETED_TO, writer, R01),
        step(Kind.RECORD_START, writer));
  }

  /** Applies every action, each of which must be enabled. */
  static EpochProtocolModel script(EpochRules rules, Limits limits, List<List<Action>> parts) {
    EpochProtocolModel model = new EpochProtocolModel(rules, limits);
    for (List<Action> part : parts) {
      for (Action action : part) {
        assertThat(model.enabled()).as("enabled after:%n%s", String.join("\n", model.trace())).contains(action);
        model.apply(action);
      }
    }
    return model;
  }

  /**
   * W1 reads deleted_to = 0 to delete below its snapshot@1 and pauses; W3 loads snapshot@1; W2
   * recovers, acknowledges s2, snapshots at 2 and deletes up to 2; W1 wakes and writes
   * max(0, 1) = 1, the last write; W3 claims and reads the rows and deleted_to.
   */
  private static List<List<Action>> pausedDeleter() {
    int w1 = 0;
    int w2 = 1;
    int w3 = 2;
    return List.of(
        recovery(w1),
        List.of(step(Kind.SEND, w1), lands(Kind.DELIVER_ROW, w1, 1, 1, 0), lands(Kind.DELIVER_ROW, w1, 1, 1, 1),
            step(Kind.CONFIRM, w1), step(Kind.SAVE_SNAPSHOT, w1), lands(Kind.DELIVER_SNAPSHOT, w1, 1, 1, 0),
            lands(Kind.DELIVER_SNAPSHOT, w1, 1, 1, 1), step(Kind.SNAPSHOT_SAVED, w1),
            read(Kind.READ_OLD_DELETED_TO, w1, R01)),
        // W1 pauses after reading deleted_to = 0; W3 starts recovering from snapshot@1.
        List.of(read(Kind.LOAD_SNAPSHOT, w3, R01)),
        recovery(w2),
        List.of(step(Kind.SEND, w2), lands(Kind.DELIVER_ROW, w2, 2, 2, 0), lands(Kind.DELIVER_ROW, w2, 2, 2, 1),
            step(Kind.CONFIRM, w2), step(Kind.SAVE_SNAPSHOT, w2), lands(Kind.DELIVER_SNAPSHOT, w2, 2, 2, 0),
            lands(Kind.DELIVER_SNAPSHOT, w2, 2, 2, 1), step(Kind.SNAPSHOT_SAVED, w2),
            read(Kind.READ_OLD_DELETED_TO, w2, R01), step(Kind.WRITE_DELETED_TO, w2),
            lands(Kind.DELIVER_DELETED_TO, w2, 2, 2, 0), lands(Kind.DELIVER_DELETED_TO, w2, 2, 2, 1),
            step(Kind.DELETE_ROWS, w2), lands(Kind.DELIVER_TOMBSTONE, w2, 2, 2, 0),
            lands(Kind.DELIVER_TOMBSTONE, w2, 2, 2, 1)),
        // W1 wakes and writes max(0, 1) = 1 over W2's 2.
        List.of(step(Kind.WRITE_DELETED_TO, w1), lands(Kind.DELIVER_DELETED_TO, w1, 1, 1, 0),
            lands(Kind.DELIVER_DELETED_TO, w1, 1, 1, 1)),
        recovery(w3).subList(1, 6));
  }

  /**
   * A confirmation is a QUORUM read: it may miss a claim accepted but not yet committed at a quorum
   * and acknowledge a write of the old epoch. The new owner reads the rows only after its claim is
   * committed, so it still has that write.
   */
  @Test
  void aConfirmationThatMissesAnUncommittedClaimAcknowledgesOnlyWhatTheNewOwnerReads() {
    int w1 = 0;
    int w2 = 1;
    EpochProtocolModel model = script(EpochRules.ALL, LIMITS, List.of(
        recovery(w1),
        List.of(step(Kind.SEND, w1), lands(Kind.DELIVER_ROW, w1, 1, 1, 0), lands(Kind.DELIVER_ROW, w1, 1, 1, 1)),
        List.of(read(Kind.LOAD_SNAPSHOT, w2, R01), step(Kind.READ_FENCE, w2), step(Kind.CLAIM, w2)),
        List.of(step(Kind.CONFIRM, w1)),
        recovery(w2).subList(3, 7)));
    log.info("confirmation before the claim's commit:\n  {}", String.join("\n  ", model.trace()));
    assertThat(model.trace()).anyMatch(step -> step.contains("QUORUM read shows epoch 1: acknowledges"));
    assertThat(model.acks()).hasSize(1);
    assertThat(model.recovered()).isEqualTo(2);
    assertThat(model.violation()).isNull();
  }

  @Test
  void pausedOwnerLowersADeletionPointWrittenAsTheMaxOfARead() {
    EpochProtocolModel model = script(EpochRules.ALL, LIMITS.withDeletionPointAsWritten(), pausedDeleter());
    log.info("deletion point written as max(read, k): {}\n  {}", model.violation(),
        String.join("\n  ", model.trace()));
    assertThat(model.violation()).contains("lacks acknowledged W2.2.2 at 2");
  }

  @Test
  void deletionPointKeptAsAMaxRegisterSendsTheRecoveryToTheNewerSnapshot() {
    EpochProtocolModel model = script(EpochRules.ALL, LIMITS, pausedDeleter());
    assertThat(model.violation()).isNull();
    assertThat(model.deletedBelowSnapshot()).isEqualTo(1);
  }
}
