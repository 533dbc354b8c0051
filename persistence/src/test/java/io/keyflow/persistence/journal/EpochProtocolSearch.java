package io.keyflow.persistence.journal;

import io.keyflow.persistence.journal.EpochProtocolModel.Action;
import io.keyflow.persistence.journal.EpochProtocolModel.Limits;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * Drives {@link EpochProtocolModel}: seeded random schedules (swarm testing: each seed also draws how
 * it schedules), replay of a list of steps, and shrinking of a counterexample to a shortest one.
 * Everything is a function of the seed: a run is reproduced by its seed and step bound.
 */
final class EpochProtocolSearch {

  private EpochProtocolSearch() {}

  /** The steps a schedule took and the model they left. */
  record Run(List<Action> actions, EpochProtocolModel model) {
    boolean violates() {
      return model.violation() != null;
    }
  }

  /**
   * How one schedule chooses: how often the last actor goes on (bursts), the weight of an owner
   * stopping, how often a writer freezes (a paused node: it takes no step for a while, its messages
   * stay in flight) and for how long.
   */
  record Profile(int stickiness, int stopWeight, int freezePercent, int freezeSteps) {
    static Profile draw(SplittableRandom random) {
      return new Profile(random.nextInt(3) * 35, random.nextInt(3), random.nextInt(3) * 6, 10 + random.nextInt(40));
    }
  }

  /** The schedule of {@code seed}, at most {@code maxSteps} steps, ending at the first violation. */
  static Run schedule(EpochRules rules, Limits limits, long seed, int maxSteps) {
    EpochProtocolModel model = new EpochProtocolModel(rules, limits);
    SplittableRandom random = new SplittableRandom(seed);
    Profile profile = Profile.draw(random);
    int[] frozenUntil = new int[EpochProtocolModel.WRITERS];
    List<Action> actions = new ArrayList<>();
    int lastActor = -2;
    for (int step = 0; step < maxSteps && model.violation() == null; step++) {
      List<Action> enabled = model.enabled();
      if (enabled.isEmpty()) {
        break;
      }
      if (random.nextInt(100) < profile.freezePercent()) {
        frozenUntil[random.nextInt(frozenUntil.length)] = step + 1 + random.nextInt(profile.freezeSteps());
      }
      int now = step;
      List<Action> awake = enabled.stream().filter(a -> a.actor() < 0 || frozenUntil[a.actor()] <= now).toList();
      if (!awake.isEmpty()) {
        enabled = awake;
      }
      Action next = null;
      if (random.nextInt(100) < profile.stickiness()) {
        int actor = lastActor;
        List<Action> same = enabled.stream().filter(a -> a.actor() == actor).toList();
        if (!same.isEmpty()) {
          next = pick(same, profile, random);
        }
      }
      if (next == null) {
        next = pick(enabled, profile, random);
      }
      lastActor = next.actor();
      actions.add(next);
      model.apply(next);
    }
    return new Run(actions, model);
  }

  private static Action pick(List<Action> enabled, Profile profile, SplittableRandom random) {
    int total = 0;
    for (Action action : enabled) {
      total += weight(action, profile);
    }
    if (total == 0) {
      return enabled.get(random.nextInt(enabled.size()));
    }
    int chosen = random.nextInt(total);
    for (Action action : enabled) {
      chosen -= weight(action, profile);
      if (chosen < 0) {
        return action;
      }
    }
    throw new IllegalStateException("weights changed while picking");
  }

  /** Progress is likelier than stopping an owner, starting a recovery or a fault. */
  private static int weight(Action action, Profile profile) {
    return switch (action.kind()) {
      case STOP -> profile.stopWeight();
      case LOSE_ROWS -> 4;
      case LOAD_SNAPSHOT -> 2;
      case DELIVER_ROW, DELIVER_ENTRY, DELIVER_SNAPSHOT, DELIVER_DELETED_TO, DELIVER_TOMBSTONE,
          DELIVER_ENTRY_DELETION -> 4;
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

  /** Removes steps one at a time, as long as what is left is still a counterexample. */
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

  /**
   * The shortest counterexample found, shrunk, or null: seeds {@code 0..seeds-1} at each step bound
   * in turn, stopping at the first bound that yields one; the three shortest of the first five found
   * are shrunk.
   */
  static Run counterexample(EpochRules rules, Limits limits, int[] stepBounds, int seeds,
      Predicate<Run> counterexample) {
    List<Run> found = new ArrayList<>();
    for (int maxSteps : stepBounds) {
      for (long seed = 0; seed < seeds && found.size() < 5; seed++) {
        Run run = schedule(rules, limits, seed, maxSteps);
        if (counterexample.test(run)) {
          found.add(run);
        }
      }
      if (!found.isEmpty()) {
        break;
      }
    }
    found.sort(Comparator.comparingInt(run -> run.actions().size()));
    Run shortest = null;
    for (Run run : found.subList(0, Math.min(3, found.size()))) {
      Run shrunk = shrink(rules, limits, run, counterexample);
      if (shortest == null || shrunk.actions().size() < shortest.actions().size()) {
        shortest = shrunk;
      }
    }
    return shortest;
  }
}
