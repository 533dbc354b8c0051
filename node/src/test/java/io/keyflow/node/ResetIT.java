package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code bin/keyflow reset} on a real node: results written after the reset are visible at once
 * through {@code /results}, reach a stream resumed with a cursor from before the reset, and reach a
 * webhook receiver that deduplicates by {@code Idempotency-Key} (see docs/reset.md).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResetIT {

  private static final long START = 1_767_225_600_000L;
  private static final int KEYS = 5;

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_reset")
      .nodes(0) // started by startNode(): the webhook overrides name the receiver's port
      .pipelines("it-pipelines-reset.conf", """
        keyflow.pipelines.again {
          max-out-of-orderness = 0s
          window { type = tumbling, size = 1s }
          aggregations = [ { name = n, fn = count }, { name = total, fn = sum, field = amount } ]
        }
        """)
      .build();

  private final HttpJson http = new HttpJson();
  /** What the receiver accepted, by Idempotency-Key: a key seen before is acknowledged and dropped. */
  private final Map<String, JsonNode> accepted = new ConcurrentHashMap<>();
  private HttpServer receiver;

  @BeforeAll
  void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", this::receive);
    receiver.start();
    startNode();
  }

  private void startNode() throws Exception {
    nodes.start(1, Map.of(
        "keyflow.results.webhooks.again.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
        "keyflow.results.webhooks.again.min-backoff", "100ms",
        "keyflow.results.webhooks.again.max-backoff", "400ms",
        "keyflow.results.stream.poll-interval", "250ms"));
    nodes.node(1).awaitReady(Duration.ofSeconds(180));
  }

  @AfterAll
  void stop() throws Exception {
    nodes.closeAll(); // before the receiver stops, as the node's webhook sink still delivers to it
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  private void receive(HttpExchange exchange) throws IOException {
    String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    byte[] body = exchange.getRequestBody().readAllBytes();
    accepted.putIfAbsent(key, HttpJson.MAPPER.readTree(new String(body, StandardCharsets.UTF_8)));
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }

  /** One event per key and window in [0, windows) with {@code amount}, then the watermark that fires them. */
  private void pushAndFire(int windows, int amount) throws Exception {
    StringBuilder body = new StringBuilder();
    for (int w = 0; w < windows; w++) {
      for (int k = 0; k < KEYS; k++) {
        body.append("{\"key\":\"k").append(k).append("\",\"ts\":").append(START + w * 1000L + k)
            .append(",\"amount\":").append(amount + k).append("}\n");
      }
    }
    var ingest = http.postNdjson(nodes.url(1) + "/v1/pipelines/again/events", body.toString());
    assertThat(ingest.status()).as(ingest.body()).isEqualTo(200);
    var wm = http.post(nodes.url(1) + "/v1/pipelines/again/watermark", "application/json",
        ("{\"watermark\":" + (START + windows * 1000L) + "}").getBytes(StandardCharsets.UTF_8));
    assertThat(wm.status()).as(wm.body()).isEqualTo(200);
  }

  /** What {@link #pushAndFire} must produce: key@window_start to the sum of amounts. */
  private static Map<String, Long> expected(int windows, int amount) {
    Map<String, Long> totals = new HashMap<>();
    for (int w = 0; w < windows; w++) {
      for (int k = 0; k < KEYS; k++) {
        totals.put("k" + k + "@" + (START + w * 1000L), (long) (amount + k));
      }
    }
    return totals;
  }

  private static Map<String, Long> totals(Iterable<JsonNode> results) {
    Map<String, Long> totals = new HashMap<>();
    results.forEach(r -> totals.put(r.get("key").asText() + "@" + r.get("window_start").asLong(),
        r.get("values").get("total").asLong()));
    return totals;
  }

  private List<SseClient.Event> read(SseClient sse, int n) throws InterruptedException {
    List<SseClient.Event> events = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SseClient.Event e = sse.next(Duration.ofSeconds(15));
      assertThat(e).as("stream event %d of %d", i, n).isNotNull();
      events.add(e);
    }
    return events;
  }

  @Test
  void resultsAfterAResetAreVisibleThroughResultsAStreamResumedFromBeforeAndTheWebhook() throws Exception {
    String stream = nodes.url(1) + "/v1/pipelines/again/results/stream";
    pushAndFire(3, 100);
    String cursorBeforeReset;
    try (SseClient sse = new SseClient(stream, null)) {
      assertThat(sse.status()).isEqualTo(200);
      List<SseClient.Event> before = read(sse, 15);
      assertThat(totals(before.stream().map(SseClient.Event::json).toList())).isEqualTo(expected(3, 100));
      assertThat(sse.untilQuiet(Duration.ofSeconds(2))).as("nothing beyond the 15 results").isEmpty();
      cursorBeforeReset = before.get(14).id();
    }
    assertThat(totals(http.get(nodes.url(1) + "/v1/pipelines/again/results").json())).isEqualTo(expected(3, 100));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(accepted).hasSize(15));
    Map<String, JsonNode> acceptedBefore = Map.copyOf(accepted);

    nodes.node(1).close();
    Path resetLog = TestCassandra.home().resolve("target/it-logs/" + nodes.keyspace() + "-reset.log");
    assertThat(NodeProcess.runMain(nodes.keyspace(), resetLog, "reset", "again", "--yes")).as(Files.readString(resetLog)).isZero();
    assertThat(Files.readString(resetLog)).contains("results generation 1 starts");
    startNode();
    assertThat(http.get(nodes.url(1) + "/v1/pipelines/again/results").json()).as("nothing left after the reset").isEmpty();

    // The same keys and windows again, with other amounts: new rows where tombstones are.
    pushAndFire(2, 500);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThat(totals(http.get(nodes.url(1) + "/v1/pipelines/again/results").json())).isEqualTo(expected(2, 500)));

    try (SseClient sse = new SseClient(stream, cursorBeforeReset)) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(totals(read(sse, 10).stream().map(SseClient.Event::json).toList())).as("a cursor from before the reset skips none of the new results")
          .isEqualTo(expected(2, 500));
      assertThat(sse.untilQuiet(Duration.ofSeconds(2))).isEmpty();
    }

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(accepted).hasSize(25));
    Map<String, JsonNode> acceptedAfter = new HashMap<>(accepted);
    acceptedAfter.keySet().removeAll(acceptedBefore.keySet());
    assertThat(totals(acceptedAfter.values())).as("the receiver got every new result under a new key")
        .isEqualTo(expected(2, 500));
  }
}
