package io.keyflow.loadtests.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The short chaos set of CI: {@code kill} and {@code leave-join} on a real 3-node cluster started by
 * bin/keyflow, under load, checked against the client ledger. The two-writers case ({@code pause}) and
 * every other scenario: {@code mvn -Pchaos verify} or {@code bin/keyflow chaos all}; in CI, writer
 * fencing is proven by the persistence module's FencedCassandraJournalIT.
 */
class ChaosShortIT {

  private static Path home() {
    return Path.of(System.getProperty("keyflow.home", "..")).toAbsolutePath().normalize();
  }

  @Test
  void killMinusNineOfANodeUnderLoadLosesAndDoublesNothing() throws Exception {
    String line = ChaosRunner.runScenario(home(), "kill", Duration.ofSeconds(40), 11);
    assertThat(line).contains(" lost=0 ", " duplicated=0 ", " gaps=0 ", " faults=1 ").contains(" ok=true");
    // bin/keyflow status, run on the cluster once it formed: three members Up and reachable.
    assertThat(line).contains(" status_exit=0 ", " status_members_up=3 ");
  }

  @Test
  void aGracefulLeaveAndRejoinUnderLoadLosesAndDoublesNothing() throws Exception {
    String line = ChaosRunner.runScenario(home(), "leave-join", Duration.ofSeconds(40), 12);
    assertThat(line).contains(" lost=0 ", " duplicated=0 ", " gaps=0 ", " faults=1 ").contains(" ok=true");
  }
}
