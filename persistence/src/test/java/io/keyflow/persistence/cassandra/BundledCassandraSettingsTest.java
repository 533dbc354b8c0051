package io.keyflow.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BundledCassandraSettingsTest {

  private static BundledCassandraSettings store(int nodes) {
    return new BundledCassandraSettings(Path.of("/k/data/cassandra"), "127.0.0.1", 9042, 7000, "1g",
        Path.of("/k/lib"), Path.of("/k/pom.xml"), Path.of("/k/run"), Path.of("/k/logs/cassandra.log"),
        Duration.ofSeconds(60), nodes, List.of("127.0.2.1", "127.0.2.2", "127.0.2.3"));
  }

  @Test
  void theDefaultStoreIsOneNodeOnLoopbackWithTheOldFiles() {
    var settings = BundledCassandraSettings.create(ConfigFactory.load());
    assertThat(settings.nodes()).isEqualTo(1);
    var only = settings.members();
    assertThat(only).hasSize(1);
    assertThat(only.get(0).host()).isEqualTo("127.0.0.1");
    assertThat(only.get(0).pidFile().getFileName()).hasToString("cassandra.pid");
    assertThat(settings.contactPoints()).containsExactly("127.0.0.1:9042");
  }

  @Test
  void aStoreOfThreeHasItsOwnAddressDataLogAndPidPerNodeAndTheFirstAsSeed() {
    var members = store(3).members();
    assertThat(members).extracting(BundledCassandraSettings.Member::host)
        .containsExactly("127.0.2.1", "127.0.2.2", "127.0.2.3");
    assertThat(members).extracting(m -> m.dataDir().toString())
        .containsExactly("/k/data/cassandra-1", "/k/data/cassandra-2", "/k/data/cassandra-3");
    assertThat(members).extracting(m -> m.logFile().toString())
        .containsExactly("/k/logs/cassandra-1.log", "/k/logs/cassandra-2.log", "/k/logs/cassandra-3.log");
    assertThat(members).extracting(m -> m.pidFile().toString())
        .containsExactly("/k/run/cassandra-1.pid", "/k/run/cassandra-2.pid", "/k/run/cassandra-3.pid");
    assertThat(members).extracting(BundledCassandraSettings.Member::seed).containsOnly("127.0.2.1:7000");
    assertThat(store(3).contactPoints()).containsExactly("127.0.2.1:9042", "127.0.2.2:9042", "127.0.2.3:9042");
  }

  @Test
  void eachNodesYamlListensOnItsOwnAddressAndAllocatesTokensForThreeReplicas() {
    var settings = store(3);
    String second = CassandraYaml.render(settings, settings.members().get(1));
    assertThat(second).contains("listen_address: 127.0.2.2").contains("rpc_address: 127.0.2.2")
        .contains("seeds: \"127.0.2.1:7000\"").contains("allocate_tokens_for_local_replication_factor: 3")
        .contains("data_file_directories:\n  - /k/data/cassandra-2/data").contains("commitlog_sync: batch")
        .contains("native_transport_port: 9042").contains("hinted_handoff_enabled: true");
  }

  @Test
  void hintedHandoffIsASettingForTheLaggingReplicaScenario() {
    var s = store(3);
    var noHints = new BundledCassandraSettings(s.dataDir(), s.host(), s.nativePort(), s.storagePort(), s.heap(),
        s.libDir(), s.pom(), s.runDir(), s.logFile(), s.startTimeout(), 3, s.replicatedHosts(), false);
    assertThat(CassandraYaml.render(noHints, noHints.members().get(0))).contains("hinted_handoff_enabled: false")
        .doesNotContain("hinted_handoff_enabled: true");
  }

  @Test
  void moreNodesThanAddressesIsAConfigurationError() {
    assertThatThrownBy(() -> store(4)).hasMessageContaining("replicated-hosts");
    assertThatThrownBy(() -> store(0)).hasMessageContaining("nodes = 0");
  }
}
