package io.keyflow.persistence.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.persistence.ledger.LedgerProtocolModel.Exploration;
import io.keyflow.persistence.ledger.LedgerProtocolModel.Rule;
import io.keyflow.persistence.ledger.LedgerProtocolModel.Walks;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model check of the request log designed in {@code docs/ingest.md} ("Next: a request log"), before
 * it is built: {@link LedgerProtocolModel} is one key group with its owner incarnations, ledgers,
 * three replicas and resends.
 *
 * <ul>
 *   <li>Two owners and two shares of one ledger: every reachable state is visited (some 700,000, a
 *       few seconds), and none violates the property.</li>
 *   <li>Three owners, or shares of two ledgers: too many states to visit in a test (over 60 million
 *       for two owners and three shares), so seeded random schedules.</li>
 *   <li>Mutation check: breaking any one {@link Rule} yields a counterexample in the two-owner
 *       space, logged with its schedule.</li>
 * </ul>
 */
class LedgerProtocolModelTest {

  private static final Logger log = LoggerFactory.getLogger(LedgerProtocolModelTest.class);

  /** s0 and s1 at positions 0 and 1 of ledger 0. */
  private static final int[] ONE_LEDGER = {0, 0};
  /** s0 and s1 at positions 0 and 1 of ledger 0, s2 at position 0 of ledger 1. */
  private static final int[] TWO_LEDGERS = {0, 0, 1};
  private static final long MAX_STATES = 5_000_000;
  private static final int WALKS = Integer.getInteger("ledger.model.walks", 30_000);

  @Test
  void everyStateOfTwoOwnersAndTwoSharesKeepsEveryAcknowledgedShareExactlyOnce() {
    long began = System.nanoTime();
    Exploration all = LedgerProtocolModel.explore(ONE_LEDGER, 2, Set.of(), MAX_STATES);
    log.info("all rules, two owners, two shares: {} states in {} ms", all.states(),
        (System.nanoTime() - began) / 1_000_000);
    assertThat(all.counterexample()).as("a counterexample with every rule: %s",
        all.counterexample() == null ? "" : all.counterexample().violation() + "\n  "
            + String.join("\n  ", all.counterexample().trace())).isNull();
    // It reached what it is about: shares answered by a fence read and by their event, and an
    // acknowledged share that a recovery found only in its ledger.
    assertThat(all.answeredFast()).isTrue();
    assertThat(all.answeredSlow()).isTrue();
    assertThat(all.recoveredFromLedger()).isTrue();
  }

  @Test
  void randomSchedulesOfThreeOwnersAndOfTwoLedgersViolateNothing() {
    for (int[] shares : new int[][] {ONE_LEDGER, TWO_LEDGERS}) {
      for (int owners : new int[] {2, 3}) {
        if (shares == ONE_LEDGER && owners == 2) {
          continue; // visited whole above
        }
        long began = System.nanoTime();
        Walks walks = LedgerProtocolModel.walk(shares, owners, Set.of(), 42, WALKS);
        log.info("all rules, {} owners, {} shares: {} random schedules, {} steps, {} ms", owners, shares.length,
            WALKS, walks.steps(), (System.nanoTime() - began) / 1_000_000);
        assertThat(walks.counterexample()).as("a counterexample with every rule, %d owners, %d shares: %s", owners,
            shares.length, walks.counterexample() == null ? "" : walks.counterexample().violation() + "\n  "
                + String.join("\n  ", walks.counterexample().trace())).isNull();
      }
    }
  }

  @Test
  void breakingAnyRuleYieldsACounterexample() {
    int byWalks = 0;
    for (Rule rule : Rule.values()) {
      long began = System.nanoTime();
      // Random schedules of three owners first (they also show the walks above can find what they
      // look for), then, if they find none, every state of two owners.
      Walks walks = LedgerProtocolModel.walk(TWO_LEDGERS, 3, EnumSet.of(rule), 7, WALKS);
      LedgerProtocolModel counterexample = walks.counterexample();
      String how = "random schedules, three owners";
      if (counterexample == null) {
        counterexample = LedgerProtocolModel.explore(ONE_LEDGER, 2, EnumSet.of(rule), MAX_STATES).counterexample();
        how = "every state, two owners";
      } else {
        byWalks++;
      }
      assertThat(counterexample).as("a counterexample with %s broken", rule).isNotNull();
      log.info("{} broken ({}, {} ms): {}\n  {}", rule, how, (System.nanoTime() - began) / 1_000_000,
          counterexample.violation(), String.join("\n  ", counterexample.trace()));
    }
    log.info("{} of {} counterexamples found by random schedules", byWalks, Rule.values().length);
  }
}
