package io.keyflow.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

class CassandraSchemaTest {

  @Test
  void shippedDdlCreatesKeyspaceJournalSnapshotAndResultsInTheConfiguredKeyspace() throws Exception {
    String cql = Files.readString(TestCassandra.home().resolve("docker/keyflow.cql"));
    List<String> statements = CassandraSchema.statements(cql, "kf_test");
    assertThat(statements).hasSize(15);
    assertThat(statements.get(0)).startsWith("CREATE KEYSPACE IF NOT EXISTS kf_test");
    assertThat(statements).anyMatch(s -> s.contains("kf_test.journal_events ")).anyMatch(s -> s.contains("kf_test.journal_fences "))
        .anyMatch(s -> s.contains("kf_test.journal_segments ")).anyMatch(s -> s.contains("kf_test.journal_segment_index "))
        .anyMatch(s -> s.contains("kf_test.snapshots"))
        .anyMatch(s -> s.contains("kf_test.results"))
        .anyMatch(s -> s.contains("kf_test.results_batches"))
        .anyMatch(s -> s.contains("kf_test.results_windows"))
        .noneMatch(s -> s.contains("kf_test.results_log"))
        .anyMatch(s -> s.contains("kf_test.webhook_offsets"))
        .anyMatch(s -> s.contains("kf_test.pipelines"))
        .anyMatch(s -> s.contains("kf_test.pipeline_generations"))
        .noneMatch(s -> s.contains("keyflow."));
  }

  @Test
  void generatedYamlSyncsTheCommitLogPerBatchAndListensOnLoopbackOnly() {
    var settings = BundledCassandraSettings.create(com.typesafe.config.ConfigFactory.load());
    String yaml = CassandraYaml.render(settings, settings.members().get(0));
    assertThat(yaml).contains("commitlog_sync: batch").contains("listen_address: 127.0.0.1")
        .contains("rpc_address: 127.0.0.1").contains("native_transport_port: 9042");
    assertThat(TestCassandra.keys()).contains("data-dir", "native-port", "storage-port", "heap", "lib-dir", "nodes");
  }

  @Test
  void createKeyspaceTakesTheConfiguredReplicationAndNothingElseChanges() throws Exception {
    String cql = Files.readString(TestCassandra.home().resolve("docker/keyflow.cql"));
    List<String> plain = CassandraSchema.statements(cql, "kf_test");
    List<String> replicated = CassandraSchema.withReplication(plain,
        new KeyspaceReplication("NetworkTopologyStrategy", "dc_east", 5, false));
    assertThat(replicated.get(0)).startsWith("CREATE KEYSPACE IF NOT EXISTS kf_test")
        .endsWith("WITH REPLICATION = { 'class' : 'NetworkTopologyStrategy', 'dc_east' : 5 }");
    assertThat(replicated.subList(1, replicated.size())).isEqualTo(plain.subList(1, plain.size()));
    assertThat(CassandraSchema.withReplication(plain, new KeyspaceReplication("SimpleStrategy", "dc1", 2, false)).get(0))
        .endsWith("{ 'class' : 'SimpleStrategy', 'replication_factor' : 2 }");
  }
}
