package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.journal.EpochProtocolModel.Action;
import io.keyflow.persistence.journal.EpochProtocolModel.Limits;
import io.keyflow.persistence.journal.EpochRules.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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

  private static final Limits LIMITS = new Limits(5, 3, 6, false);

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

  /** Removes steps one at a time while the schedule still violates the property. */
  static Run shrink(EpochRules rules, Limits limits, Run run) {
    Run best = run;
    boolean smaller = true;
    while (smaller) {
      smaller = false;
      for (int i = best.actions().size() - 1; i >= 0; i--) {
        List<Action> fewer = new ArrayList<>(best.actions());
        fewer.remove(i);
        Run candidate = replay(rules, limits, fewer);
        if (candidate.model().violation() != null && candidate.actions().size() < best.actions().size()) {
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

  /** The shortest violating schedule found for {@code rules} (shrunk), or null. */
  static Run counterexample(EpochRules rules, Limits limits) {
    List<Run> found = new ArrayList<>();
    for (int maxSteps : new int[] {20, 30, 45, 70, 120}) {
      for (long seed = 0; seed < 5_000 && found.size() < 10; seed++) {
        Run run = schedule(rules, limits, seed, maxSteps);
        if (run.model().violation() != null) {
          found.add(run);
        }
      }
      if (!found.isEmpty()) {
        break;
      }
    }
    Run shortest = null;
    for (Run run : found) {
      Run shrunk = shrink(rules, limits, run);
      if (shortest == null || shrunk.actions().size() < shortest.actions().size()) {
        shortest = shrunk;
      }
    }
    return shortest;
  }

  @Test
  void droppingAnyRuleYieldsACounterexample() {
    for (Rule rule : Rule.values()) {
      long began = System.nanoTime();
      Run run = counterexample(EpochRules.without(rule), LIMITS);
      long ms = (System.nanoTime() - began) / 1_000_000;
      if (run == null) {
        log.info("without {}: no counterexample ({} ms)", rule, ms);
      } else {
        log.info("without {} ({} steps, {} ms): {}\n  {}", rule, run.actions().size(), ms, run.model().violation(),
            String.join("\n  ", run.model().trace()));
      }
    }
  }
}
