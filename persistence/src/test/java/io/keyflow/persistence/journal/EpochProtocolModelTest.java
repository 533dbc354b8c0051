package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.journal.EpochProtocolModel.Action;
import io.keyflow.persistence.journal.EpochProtocolModel.Kind;
import io.keyflow.persistence.journal.EpochProtocolModel.Limits;
import io.keyflow.persistence.journal.EpochRules.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model check of the epoch-fenced journal protocol ({@link FencedCassandraJournal}, rules in
 * {@link EpochRules}) on {@link EpochProtocolModel}: seeded random schedules of three writers of one
 * persistence id, every message delivered late or never, reads of two of three replicas.
 */
class EpochProtocolModelTest {

  private static final Logger log = LoggerFactory.getLogger(EpochProtocolModelTest.class);

  private static final Limits LIMITS = new Limits(5, 3, 6, false, true);

  record Run(List<Action> actions, EpochProtocolModel model) {}

  /** One seeded schedule: mostly the last actor goes on (bursts, so others pause), else anyone. */
  static Run schedule(EpochRules rules, Limits limits, long seed, int maxSteps) {
    EpochProtocolModel model = new EpochProtocolModel(rules, limits);
    SplittableRandom random = new SplittableRandom(seed);
    List<Action> actions = new ArrayList<>();
    int lastActor = -2;
    for (int step = 0; step < maxSteps && model.violation() == null; step++) {
      List<Action> enabled = model.enabled();
      if (enabled.isEmpty()) {
        break;
      }
      Action next = null;
      if (random.nextInt(100) < 60) {
        int actor = lastActor;
        List<Action> same = enabled.stream().filter(a -> a.actor() == actor).toList();
        if (!same.isEmpty()) {
          next = pick(same, random);
        }
      }
      if (next == null) {
        next = pick(enabled, random);
      }
      lastActor = next.actor();
      actions.add(next);
      model.apply(next);
    }
    return new Run(actions, model);
  }

  /** A weighted choice: stopping and starting a recovery are rarer than progress. */
  private static Action pick(List<Action> enabled, SplittableRandom random) {
    int total = 0;
    for (Action action : enabled) {
      total += weight(action);
    }
    int chosen = random.nextInt(total);
    for (Action action : enabled) {
      chosen -= weight(action);
      if (chosen < 0) {
        return action;
      }
    }
    throw new IllegalStateException();
  }

  private static int weight(Action action) {
    return switch (action.kind()) {
      case STOP, LOSE_ROWS -> 1;
      case LOAD_SNAPSHOT -> 2;
      case DELIVER_ROW, DELIVER_SNAPSHOT, DELIVER_DELETED_TO, DELIVER_TOMBSTONE -> 4;
      default -> 12;
    };
  }

  /** Replays {@code actions}, skipping those not enabled, up to the first violation. */
  static Run replay(EpochRules rules, Limits limits, List<Action> actions) {
    EpochProtocolModel model = new EpochProtocolModel(rules, limits);
    List<Action> taken = new ArrayList<>();
    for (Action action : actions) {
      if (model.violation() != null) {
        break;
      }
      if (model.enabled().contains(action)) {
        model.apply(action);
        taken.add(action);
      }
    }
    return new Run(taken, model);
  }

  /** Removes steps one at a time while the schedule is still a counterexample. */
  static Run shrink(EpochRules rules, Limits limits, Run run, Predicate<Run> counterexample) {
    Run best = run;
    boolean smaller = true;
    while (smaller) {
      smaller = false;
      for (int i = best.actions().size() - 1; i >= 0; i--) {
        List<Action> fewer = new ArrayList<>(best.actions());
        fewer.remove(i);
        Run candidate = replay(rules, limits, fewer);
        if (counterexample.test(candidate) && candidate.actions().size() < best.actions().size()) {
          best = candidate;
          smaller = true;
          i = Math.min(i, best.actions().size());
        }
      }
    }
    return best;
  }

  @Test
  void everyAcknowledgedRowIsRecoveredOnceAtItsSequenceNumber() {
    long began = System.nanoTime();
    int schedules = 0;
    int recoveries = 0;
    int acks = 0;
    for (int maxSteps : new int[] {60, 120}) {
      for (long seed = 0; seed < 20_000; seed++) {
        Run run = schedule(EpochRules.ALL, LIMITS, seed, maxSteps);
        schedules++;
        recoveries += run.model().recovered();
        acks += run.model().acks().size();
        assertThat(run.model().violation())
            .as("seed %d, %d steps:%n%s", seed, maxSteps, String.join("\n", run.model().trace()))
            .isNull();
      }
    }
    log.info("{} schedules, {} checked recoveries, {} acknowledged rows, no violation, in {} ms", schedules,
        recoveries, acks, (System.nanoTime() - began) / 1_000_000);
  }

  private static boolean violates(Run run) {
    return run.model().violation() != null;
  }

  /**
   * The shortest counterexample found (shrunk), or null: schedules of at most 20, 30, 45, 70 and 120
   * steps, 5 000 seeds each, until some are found; the first ten found are shrunk.
   */
  static Run counterexample(EpochRules rules, Limits limits, Predicate<Run> counterexample) {
    List<Run> found = new ArrayList<>();
    for (int maxSteps : new int[] {20, 30, 45, 70, 120}) {
      for (long seed = 0; seed < 5_000 && found.size() < 10; seed++) {
        Run run = schedule(rules, limits, seed, maxSteps);
        if (counterexample.test(run)) {
          found.add(run);
        }
      }
      if (!found.isEmpty()) {
        break;
      }
    }
    Run shortest = null;
    for (Run run : found) {
      Run shrunk = shrink(rules, limits, run, counterexample);
      if (shortest == null || shrunk.actions().size() < shortest.actions().size()) {
        shortest = shrunk;
      }
    }
    return shortest;
  }

  /**
   * GAP_FAILS guards against rows lost outside the protocol, which the fault-free model cannot lose:
   * with the fault "a replica loses its journal rows", a counterexample is a schedule in which the
   * journal without the rule recovers over an acknowledged row silently while the same schedule
   * with every rule is refused (the fault can lose rows no rule can bring back; refusing is what
   * the rule promises).
   */
  private static Run gapCounterexample() {
    Limits faulty = LIMITS.withReplicaLoss();
    return counterexample(EpochRules.without(Rule.GAP_FAILS), faulty, run -> violates(run) && !run.model().refused()
        && replay(EpochRules.ALL, faulty, run.actions()).model().refused());
  }

  @Test
  void droppingAnyRuleYieldsACounterexample() {
    for (Rule rule : Rule.values()) {
      long began = System.nanoTime();
      Run run = rule == Rule.GAP_FAILS
          ? gapCounterexample()
          : counterexample(EpochRules.without(rule), LIMITS, EpochProtocolModelTest::violates);
      long ms = (System.nanoTime() - began) / 1_000_000;
      assertThat(run).as("a counterexample without %s", rule).isNotNull();
      log.info("without {} ({} steps, found in {} ms): {}\n  {}", rule, run.actions().size(), ms,
          run.model().violation(), String.join("\n  ", run.model().trace()));
    }
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
        step(Kind.READ_STARTS, writer), read(Kind.READ_ROWS, writer, R01), read(Kind.READ_DELETED_TO, writer, R01),
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
