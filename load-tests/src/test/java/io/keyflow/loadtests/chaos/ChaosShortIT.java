package io.keyflow.loadtests.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The short chaos set of CI: {@code kill}, {@code leave-join} and {@code pause} (the two-writers case)
 * on a real 3-node cluster started by bin/keyflow, under load, checked against the client ledger.
 * The full set: {@code mvn -Pchaos verify} or {@code bin/keyflow chaos all}.
 */
class ChaosShortIT {

  private static Path home() {
    return Path.of(System.getProperty("keyflow.home", "..")).toAbsolutePath().normalize();
  }

  @Test
  void killMinusNineOfANodeUnderLoadLosesAndDoublesNothing() throws Exception {
    String line = ChaosRunner.runScenario(home(), "kill", Duration.ofSeconds(60), 11);
    assertThat(line).contains(" lost=0 ", " duplicated=0 ", " gaps=0 ", " faults=1 ").contains(" ok=true");
  }

  @Test
  void aGracefulLeaveAndRejoinUnderLoadLosesAndDoublesNothing() throws Exception {
    String line = ChaosRunner.runScenario(home(), "leave-join", Duration.ofSeconds(60), 12);
    assertThat(line).contains(" lost=0 ", " duplicated=0 ", " gaps=0 ", " faults=1 ").contains(" ok=true");
  }

  @Test
  void aNodePausedPastStableAfterWakesFencedOffAndLosesAndDoublesNothing() throws Exception {
    // Its key groups move while it sleeps; on SIGCONT it must exit, and none of its appends may land.
    String line = ChaosRunner.runScenario(home(), "pause", Duration.ofSeconds(60), 13);
    assertThat(line).contains(" lost=0 ", " duplicated=0 ", " gaps=0 ", " faults=1 ", " taken_over=true ",
        " stale_exited=true ").contains(" ok=true");
  }
}
