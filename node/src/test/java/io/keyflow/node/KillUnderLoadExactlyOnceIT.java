package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 of one of three nodes while clients push with Idempotency-Keys and retry every failure
 * with the same key ({@link LedgerLoad}): at the end the results must equal the clients' ledger of
 * acknowledged events exactly — nothing lost, nothing counted twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KillUnderLoadExactlyOnceIT {

  private static final int WORKERS = 4;

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_exactly")
      .nodes(3)
      // One long window and a generous bound: retried events arrive late in wall time but never late in event time.
      .pipelines("it-pipelines-exactly.conf", LedgerLoad.PIPELINE)
      .readyTimeout(Duration.ofSeconds(240))
      .build();

  private final HttpJson http = new HttpJson();

  @Test
  void everyAcknowledgedEventIsCountedExactlyOnceAfterKillMinusNine() throws Exception {
    NodeProcess victim = nodes.node(3);
    String victimAddress = "pekko://keyflow@" + victim.host() + ":" + NodeProcess.REMOTE_PORT;
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      JsonNode settled = http.get(nodes.url(1) + "/v1/cluster").json();
      assertThat(settled.get("balanced").asBoolean()).isTrue();
      assertThat(settled.get("pipelines").toString()).contains(victimAddress);
    });

    List<String> urls = nodes.all().stream().map(NodeProcess::baseUrl).toList();
    try (LedgerLoad load = new LedgerLoad(WORKERS, () -> urls)) {
      // Kill once the load is really flowing, and stop once it flowed well past the failover.
      await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledged() >= 1_000);
      victim.kill();
      long acknowledgedAtKill = load.acknowledged();
      load.awaitMore(4_000, Duration.ofSeconds(120));
      int requests = load.stop();
      System.out.printf("kill -9 under load: %d requests, %d events acknowledged (%d before the kill), %s%n",
          requests, load.acknowledged(), acknowledgedAtKill, load.failureReport());
      assertThat(load.acknowledged()).isGreaterThan(acknowledgedAtKill);

      var wm = http.post(nodes.url(1) + "/v1/pipelines/ledger/watermark", "application/json",
          ("{\"watermark\":" + (4L * 86_400_000) + "}").getBytes(StandardCharsets.UTF_8));
      assertThat(wm.status()).as(wm.body()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        Map<String, Long> counted = new HashMap<>();
        for (JsonNode r : http.get(nodes.url(2) + "/v1/pipelines/ledger/results").json()) {
          counted.merge(r.get("key").asText(), r.get("values").get("n").asLong(), Long::sum);
        }
        assertThat(counted).isEqualTo(load.expected());
      });
    }
  }
}
