package io.keyflow.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicationRulesTest {

  private static KeyspaceReplication nts(int factor, boolean allow) {
    return new KeyspaceReplication("NetworkTopologyStrategy", "datacenter1", factor, allow);
  }

  @Test
  void theDefaultIsThreeReplicasPerRowInTheLocalDatacentreAndRefusesFewer() {
    KeyspaceReplication defaults = KeyspaceReplication.create(ConfigFactory.load());
    assertThat(defaults).isEqualTo(nts(3, false));
    assertThat(defaults.cql()).isEqualTo("{ 'class' : 'NetworkTopologyStrategy', 'datacenter1' : 3 }");
  }

  @Test
  void creatingFewerReplicasThanMinOfThreeAndTheNodesIsRefused() {
    assertThatThrownBy(() -> ReplicationRules.checkCreate("ks", nts(1, false), 3))
        .hasMessageContaining("min(3, nodes) = 3").hasMessageContaining("allow-under-replicated");
    assertThatThrownBy(() -> ReplicationRules.checkCreate("ks", nts(2, false), 5)).hasMessageContaining("= 3");
    assertThatThrownBy(() -> ReplicationRules.checkCreate("ks", nts(1, false), 2)).hasMessageContaining("= 2");
  }

  @Test
  void creatingTheSafeFactorOrMoreIsAllowed() {
    assertThatCode(() -> ReplicationRules.checkCreate("ks", nts(1, false), 1)).doesNotThrowAnyException();
    assertThatCode(() -> ReplicationRules.checkCreate("ks", nts(2, false), 2)).doesNotThrowAnyException();
    assertThatCode(() -> ReplicationRules.checkCreate("ks", nts(3, false), 3)).doesNotThrowAnyException();
    assertThatCode(() -> ReplicationRules.checkCreate("ks", nts(3, false), 9)).doesNotThrowAnyException();
    assertThatCode(() -> ReplicationRules.checkCreate("ks", nts(5, false), 9)).doesNotThrowAnyException();
  }

  @Test
  void fewerReplicasAreCreatedWhenToldSo() {
    assertThatCode(() -> ReplicationRules.checkCreate("ks", nts(1, true), 3)).doesNotThrowAnyException();
  }

  @Test
  void aFactorWhoseQuorumTheNodesCannotHoldIsRefusedEvenWhenUnderReplicationIsAllowed() {
    assertThatThrownBy(() -> ReplicationRules.checkCreate("ks", nts(3, true), 1)).hasMessageContaining("needs 2 nodes");
    assertThatThrownBy(() -> ReplicationRules.checkCreate("ks", nts(5, true), 2)).hasMessageContaining("needs 3 nodes");
    // RF 3 on two nodes: a quorum of two is there (the third replica comes with the third node).
    assertThatCode(() -> ReplicationRules.checkCreate("ks", nts(3, false), 2)).doesNotThrowAnyException();
  }

  @Test
  void replicasOfAnExistingKeyspaceAreTheFactorOrTheSumOverDatacentres() {
    assertThat(ReplicationRules.replicas(Map.of("class", "org.apache.cassandra.locator.SimpleStrategy",
        "replication_factor", "1"))).isEqualTo(1);
    assertThat(ReplicationRules.replicas(Map.of("class", "org.apache.cassandra.locator.NetworkTopologyStrategy",
        "dc1", "3", "dc2", "2"))).isEqualTo(5);
  }

  @Test
  void anExistingKeyspaceWithOneReplicaOnSeveralNodesIsRefusedUnlessToldSo() {
    Map<String, String> one = Map.of("class", "org.apache.cassandra.locator.SimpleStrategy", "replication_factor", "1");
    assertThatThrownBy(() -> ReplicationRules.checkExisting("ks", one, 3, false))
        .hasMessageContaining("refusing to start").hasMessageContaining("1 replicas) on 3");
    assertThat(ReplicationRules.checkExisting("ks", one, 3, true)).contains("fewer than the safe 3");
    assertThat(ReplicationRules.checkExisting("ks", one, 1, false)).doesNotContain("fewer");
  }

  @Test
  void anExistingKeyspaceWithTwoReplicasOnThreeNodesStartsWithAWarning() {
    Map<String, String> two = Map.of("class", "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1", "2");
    assertThat(ReplicationRules.checkExisting("ks", two, 3, false)).contains("fewer than the safe 3");
    Map<String, String> three = Map.of("class", "org.apache.cassandra.locator.NetworkTopologyStrategy", "datacenter1", "3");
    assertThat(ReplicationRules.checkExisting("ks", three, 3, false)).doesNotContain("fewer");
  }

  @Test
  void unknownStrategiesAndEmptyFactorsAreConfigurationErrors() {
    assertThatThrownBy(() -> new KeyspaceReplication("LocalStrategy", "dc1", 3, false)).hasMessageContaining("strategy");
    assertThatThrownBy(() -> nts(0, false)).hasMessageContaining("factor");
  }
}
