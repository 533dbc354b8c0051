package io.keyflow.loadtests.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The full chaos set, behind {@code mvn -Pchaos verify} (about 30 minutes): every scenario once on its
 * own cluster, seeds from {@code -Dchaos.seed} (default 1), duration from {@code -Dchaos.duration}
 * (default 90s). The same as {@code bin/keyflow chaos all}.
 */
class ChaosFullIT {

  private static Path home() {
    return Path.of(System.getProperty("keyflow.home", "..")).toAbsolutePath().normalize();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"kill", "kill-burst", "pause", "leave-join", "partition", "partition-reject", "cassandra",
      "cassandra-node", "cassandra-lag", "rolling", "mixed", "autoscale"})
  void scenarioLosesAndDoublesNothing(String scenario) throws Exception {
    long seed = Long.getLong("chaos.seed", 1);
    Duration duration = Duration.parse("PT" + System.getProperty("chaos.duration", "90s").toUpperCase());
    String line = ChaosRunner.runScenario(home(), scenario, duration, seed);
    System.out.println(line);
    assertThat(line).contains(" lost=0 ", " duplicated=0 ", " gaps=0 ").doesNotContain(" faults=0 ")
        .contains(" ok=true");
  }
}
