package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.ReplicationRules;
import io.keyflow.persistence.cassandra.TestReplicatedCassandra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three Keyflow nodes on a bundled store of three Cassandra nodes (RF 3, QUORUM, SERIAL fence;
 * docs/replication.md). Under load from clients that retry with Idempotency-Keys: kill -9 of one
 * store node, then, with that store node still down, kill -9 of one Keyflow node (its key groups
 * recover on two store nodes), then the store node back. The results must equal the clients' ledger:
 * nothing lost, nothing counted twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicatedStoreExactlyOnceIT {

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_rf3")
      .nodes(3)
      .store(new ReplicatedStore())
      .pipelines("it-pipelines-rf3.conf", LedgerLoad.PIPELINE)
      .readyTimeout(Duration.ofSeconds(240))
      .build();

  private final HttpJson http = new HttpJson();

  /** Three bundled Cassandra nodes, started for this class and stopped after it. */
  private static final class ReplicatedStore implements KeyflowNodes.Store {
    @Override
    public void ensureRunning() {
      long started = System.nanoTime();
      TestReplicatedCassandra.ensureRunning();
      System.out.printf("three store nodes answering after %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    @Override
    public Map<String, String> nodeProperties(String keyspace) {
      return TestReplicatedCassandra.nodeProperties(keyspace);
    }

    @Override
    public void stop() {
      TestReplicatedCassandra.stop();
    }
  }

  @Test
  void theKeyspaceHasThreeReplicasOnThreeStoreNodes() {
    try (var session = CassandraSchema.connect(TestReplicatedCassandra.settings().contactPoints(), "datacenter1")) {
      var row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", nodes.keyspace()).one();
      assertThat(row).isNotNull();
      assertThat(ReplicationRules.replicas(row.getMap(0, String.class, String.class))).isEqualTo(3);
      assertThat(CassandraSchema.nodesPerDatacenter(session)).containsEntry("datacenter1", 3);
    }
  }

  @Test
  void everyAcknowledgedEventIsCountedOnceAfterAStoreNodeAndThenAKeyflowNodeAreKilled() throws Exception {
    NodeProcess victim = nodes.node(3);
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
        .until(() -> http.get(nodes.url(1) + "/v1/cluster").json().get("balanced").asBoolean());
    try (LedgerLoad load = new LedgerLoad(4, this::liveUrls)) {
      load.awaitMore(1_000, Duration.ofSeconds(60));

      long storePid = TestReplicatedCassandra.kill(3);
      long beforeStoreKill = load.acknowledged();
      load.awaitMore(3_000, Duration.ofSeconds(120));
      System.out.printf("store node 3 (pid %d) killed at %d events; %d acknowledged on two store nodes; %s%n",
          storePid, beforeStoreKill, load.acknowledged() - beforeStoreKill, load.failureReport());

      victim.kill();
      long beforeNodeKill = load.acknowledged();
      load.awaitMore(4_000, Duration.ofSeconds(180));
      System.out.printf("Keyflow node 3 killed at %d events (store node 3 still down); then %d more; %s%n",
          beforeNodeKill, load.acknowledged() - beforeNodeKill, load.failureReport());

      long restart = System.nanoTime();
      TestReplicatedCassandra.ensureRunning();
      System.out.printf("store node 3 answering again after %.1f s%n", (System.nanoTime() - restart) / 1e9);
      load.awaitMore(2_000, Duration.ofSeconds(120));
      int requests = load.stop();
      System.out.printf("replicated store under load: %d requests, %d events acknowledged; %s%n",
          requests, load.acknowledged(), load.failureReport());
      assertThat(TestReplicatedCassandra.isAnswering(3)).isTrue();

      var wm = http.post(nodes.url(1) + "/v1/pipelines/ledger/watermark", "application/json",
          ("{\"watermark\":" + (4L * 86_400_000) + "}").getBytes(StandardCharsets.UTF_8));
      assertThat(wm.status()).as(wm.body()).isEqualTo(200);
      Map<String, Long> expected = load.expected();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        Map<String, Long> counted = new HashMap<>();
        for (JsonNode r : http.get(nodes.url(2) + "/v1/pipelines/ledger/results").json()) {
          counted.merge(r.get("key").asText(), r.get("values").get("n").asLong(), Long::sum);
        }
        assertThat(counted).isEqualTo(expected);
      });
    }
  }

  private List<String> liveUrls() {
    return nodes.all().stream().filter(NodeProcess::isAlive).map(NodeProcess::baseUrl).toList();
  }
}
