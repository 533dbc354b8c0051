package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A two-stage HOCON pipeline on a real node (count per item per window, then per window the busiest
 * item, the number of items and the total) survives a kill -9 in the middle of the stream: every
 * stage-2 total equals the clicks acknowledged in its window, so no result was lost or applied twice
 * between the stages.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiStageIT {

  private static final long T = 1_767_225_600_000L;

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_stages")
      .pipelines("it-pipelines-stages.conf", """
        keyflow.pipelines.items {
          max-key-groups = 16
          stages = [
            { name = counts, key-field = item, window { type = tumbling, size = 10s },
              aggregations = [ { name = n, fn = count } ] }
            { name = busiest, key-field = window_start, window { type = tumbling, size = 10s },
              aggregations = [ { name = items, fn = count }, { name = top, fn = max, field = n }, { name = total, fn = sum, field = n } ] }
          ]
        }
        """)
      .build();

  private final HttpJson http = new HttpJson();
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** Posts until a 200, retrying with the same Idempotency-Key (across the node's restart). */
  private void postUntilAcked(String body, String id) {
    await("request " + id).atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> client.send(HttpRequest.newBuilder(URI.create(nodes.url(1) + "/v1/pipelines/items/events"))
            .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/x-ndjson").header("Idempotency-Key", id)
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
  }

  @Test
  void stageTwoTotalsEqualTheClicksOfEachWindowAcrossAKill() throws Exception {
    Random random = new Random(7);
    Map<Long, Map<String, Long>> perWindow = new TreeMap<>();
    int requests = 40;
    for (int r = 0; r < requests; r++) {
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 50; i++) {
        long ts = T + r * 1_000L + random.nextInt(1_000); // 4 windows of 10 s, in order
        String item = "item-" + random.nextInt(12);
        body.append("{\"item\":\"").append(item).append("\",\"ts\":").append(ts).append("}\n");
        perWindow.computeIfAbsent((ts - T) / 10_000 * 10_000 + T, w -> new TreeMap<>()).merge(item, 1L, Long::sum);
      }
      if (r == 22) {
        nodes.node(1).kill(); // windows 0 and 1 have fired in stage 1 and are on their way to stage 2
        nodes.start(1);
      }
      postUntilAcked(body.toString(), "req-" + r);
    }
    nodes.node(1).awaitReady(Duration.ofSeconds(180));
    var wm = http.post(nodes.url(1) + "/v1/pipelines/items/watermark", "application/json",
        ("{\"watermark\":" + (T + 3_600_000) + "}").getBytes());
    assertThat(wm.status()).as(wm.body()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      JsonNode results = http.get(nodes.url(1) + "/v1/pipelines/items/results").json();
      assertThat(results).hasSize(perWindow.size());
      for (JsonNode r : results) {
        long window = Long.parseLong(r.get("key").asText());
        Map<String, Long> counts = perWindow.get(window);
        assertThat(r.get("values").get("total").asLong()).as("clicks of window %d", window)
            .isEqualTo(counts.values().stream().mapToLong(Long::longValue).sum());
        assertThat(r.get("values").get("items").asLong()).isEqualTo(counts.size());
        assertThat(r.get("values").get("top").asLong()).isEqualTo(counts.values().stream().mapToLong(Long::longValue).max().orElseThrow());
      }
    });
    JsonNode stageOne = http.get(nodes.url(1) + "/v1/pipelines/items/results?stage=counts&key=item-3").json();
    assertThat(stageOne).hasSize((int) perWindow.values().stream().filter(m -> m.containsKey("item-3")).count());
    JsonNode listed = http.get(nodes.url(1) + "/v1/pipelines").json();
    assertThat(listed.toString()).contains("\"stages\":[\"counts\",\"busiest\"]");
  }
}
