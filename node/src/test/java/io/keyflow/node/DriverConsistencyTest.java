package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every driver profile a node uses names its consistency in keyflow-defaults.conf itself (not
 * through a library default that could change), at QUORUM and SERIAL (docs/replication.md).
 */
class DriverConsistencyTest {

  private static final Config NODE = NodeConfig.load(ConfigFactory.parseString("keyflow.node.host = \"127.0.0.2\""));
  private static final Config DEFAULTS = ConfigFactory.parseResources("keyflow-defaults.conf");

  /** The profiles of the journal (also results, results log, webhook offsets) and the snapshot store. */
  private static Set<String> profilesInUse() {
    Set<String> profiles = new TreeSet<>();
    profiles.add(NODE.getString("keyflow.journal.profile"));
    String snapshot = NODE.getString("pekko.persistence.snapshot-store.plugin");
    profiles.add(NODE.getString(snapshot + ".read-profile"));
    profiles.add(NODE.getString(snapshot + ".write-profile"));
    return profiles;
  }

  @Test
  void everyProfileInUseReadsAndWritesAtQuorumAndFencesAtSerialAsKeyflowDefaultsSay() {
    Set<String> profiles = profilesInUse();
    assertThat(profiles).contains("pekko-persistence-cassandra-profile", "pekko-persistence-cassandra-snapshot-profile");
    for (String profile : profiles) {
      String path = "datastax-java-driver.profiles." + profile + ".basic.request.";
      assertThat(DEFAULTS.hasPath(path + "consistency")).as("%sconsistency in keyflow-defaults.conf", path).isTrue();
      assertThat(DEFAULTS.hasPath(path + "serial-consistency")).as("%sserial-consistency in keyflow-defaults.conf", path)
          .isTrue();
      assertThat(NODE.getString(path + "consistency")).as(path + "consistency").isEqualTo("QUORUM");
      assertThat(NODE.getString(path + "serial-consistency")).as(path + "serial-consistency").isEqualTo("SERIAL");
    }
    assertThat(NODE.getString("datastax-java-driver.basic.request.consistency")).isEqualTo("QUORUM");
    assertThat(NODE.getString("datastax-java-driver.basic.request.serial-consistency")).isEqualTo("SERIAL");
  }

  @Test
  void theJournalAppendsAtQuorumAndClaimsEpochsAtSerial() {
    assertThat(NODE.getString("keyflow.journal.consistency")).isEqualTo("QUORUM");
    assertThat(NODE.getString("keyflow.journal.serial-consistency")).isEqualTo("SERIAL");
  }
}
