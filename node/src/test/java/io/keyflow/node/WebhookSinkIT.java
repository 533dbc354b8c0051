package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.TestCassandra;
import io.keyflow.persistence.results.ResultsBatchCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The webhook sink of a real node against a receiver on 127.0.0.1 that answers 500 to the first two
 * attempts of every fourth result and drops the connection on the very first request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookSinkIT {

  private static final long START = 1_767_225_600_000L;

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_webhook")
      .nodes(0) // started by startNode(): the webhook overrides name the receiver's port
      .pipelines("it-pipelines-webhook.conf", """
        keyflow.pipelines.hooked {
          max-out-of-orderness = 0s
          window { type = tumbling, size = 1s }
          aggregations = [ { name = n, fn = count }, { name = total, fn = sum, field = amount } ]
        }
        """)
      .build();

  private HttpServer receiver;
  private final HttpJson http = new HttpJson();

  private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
  private final Map<String, JsonNode> accepted = new ConcurrentHashMap<>();
  private final List<String> acceptedInOrder = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> failedOnPurpose = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean droppedOne = new AtomicBoolean();
  private volatile String droppedKey;

  @BeforeAll
  void start() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", this::receive);
    receiver.start();
    startNode();
  }

  private void startNode() throws Exception {
    nodes.start(1, Map.of(
        "keyflow.results.webhooks.hooked.url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook",
        "keyflow.results.webhooks.hooked.min-backoff", "100ms",
        "keyflow.results.webhooks.hooked.max-backoff", "400ms",
        "keyflow.results.webhooks.hooked.request-timeout", "3s"));
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
    int attempt = attempts.merge(key, 1, Integer::sum);
    if (droppedOne.compareAndSet(false, true)) {
      droppedKey = key;
      // An exception from the handler makes the server close the connection without an answer.
      throw new IOException("dropping the connection on purpose");
    }
    if (Math.floorMod(key.hashCode(), 4) == 0 && attempt <= 2) {
      failedOnPurpose.add(key);
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
      return;
    }
    if (accepted.putIfAbsent(key, HttpJson.MAPPER.readTree(new String(body, StandardCharsets.UTF_8))) == null) {
      acceptedInOrder.add(key);
    }
    exchange.sendResponseHeaders(200, -1);
    exchange.close();
  }

  private void pushAndFire(int firstWindow, int windows) throws Exception {
    StringBuilder events = new StringBuilder();
    for (int w = firstWindow; w < firstWindow + windows; w++) {
      for (int k = 0; k < 20; k++) {
        events.append("{\"key\":\"k").append(k).append("\",\"ts\":").append(START + w * 1000L + k)
            .append(",\"amount\":").append(k * w).append("}\n");
      }
    }
    assertThat(http.postNdjson(nodes.url(1) + "/v1/pipelines/hooked/events", events.toString()).status()).isEqualTo(200);
    assertThat(http.post(nodes.url(1) + "/v1/pipelines/hooked/watermark", "application/json",
        ("{\"watermark\":" + (START + (firstWindow + windows) * 1000L) + "}").getBytes(StandardCharsets.UTF_8))
        .status()).isEqualTo(200);
  }

  @Test
  void everyFiredResultReachesTheReceiverOnceAcceptedAndFailedOnesAreRetried() throws Exception {
    pushAndFire(0, 4);

    String stage = null;
    for (JsonNode p : http.get(nodes.url(1) + "/v1/pipelines").json()) {
      if (p.get("name").asText().equals("hooked")) {
        stage = p.get("stages").get(0).asText();
      }
    }
    assertThat(stage).isNotNull();
    String hookedStage = stage;
    Set<String> fired = new HashSet<>();
    Map<Integer, Long> lastSeq = new HashMap<>();
    try (CqlSession session = CassandraSchema.connect(TestCassandra.HOST, TestCassandra.NATIVE_PORT, "datacenter1")) {
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        fired.clear();
        for (int kg = 0; kg < 128; kg++) {
          int group = kg;
          session.execute("SELECT firings FROM " + nodes.keyspace() + ".results_batches WHERE pipeline = 'hooked' AND stage = ?"
              + " AND key_group = ?", hookedStage, kg).forEach(row -> {
                for (ResultsBatchCodec.Firing f : ResultsBatchCodec.decode(row.getByteBuffer(0))) {
                  fired.add("hooked/" + hookedStage + "/" + group + "/" + f.seq());
                  lastSeq.merge(group, f.seq(), Math::max);
                }
              });
        }
        assertThat(fired).hasSize(80);
      });

      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(accepted.keySet()).isEqualTo(fired));

      assertThat(droppedKey).isNotNull();
      assertThat(attempts.get(droppedKey)).as("the dropped request was sent again").isGreaterThanOrEqualTo(2);
      assertThat(failedOnPurpose).isNotEmpty().allSatisfy(key ->
          assertThat(attempts.get(key)).as("attempts of %s", key).isGreaterThanOrEqualTo(3));
      // In output order within each key group.
      Map<String, Long> orderCheck = new HashMap<>();
      for (String key : List.copyOf(acceptedInOrder)) {
        String[] parts = key.split("/");
        long seq = Long.parseLong(parts[3]);
        assertThat(seq).isGreaterThan(orderCheck.getOrDefault(parts[2], 0L));
        orderCheck.put(parts[2], seq);
      }
      // The bodies are the results the store answers.
      Map<String, JsonNode> sent = new HashMap<>();
      accepted.values().forEach(r -> sent.put(r.get("key").asText() + "@" + r.get("window_start").asLong(), r.get("values")));
      Map<String, JsonNode> stored = new HashMap<>();
      http.get(nodes.url(1) + "/v1/pipelines/hooked/results").json()
          .forEach(r -> stored.put(r.get("key").asText() + "@" + r.get("window_start").asLong(), r.get("values")));
      assertThat(sent).isEqualTo(stored);
      // The cursor is persisted: a restarted sink would resume after the last accepted result.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        Map<Integer, Long> offsets = new HashMap<>();
        session.execute("SELECT key_group, delivered_seq FROM " + nodes.keyspace() + ".webhook_offsets WHERE pipeline = 'hooked'"
            + " AND stage = ?", hookedStage).forEach(row -> offsets.put(row.getInt(0), row.getLong(1)));
        assertThat(offsets).isEqualTo(lastSeq);
      });

      // A restarted node's sink resumes after the stored cursor: new results only, nothing sent again.
      Map<String, Integer> attemptsBefore = Map.copyOf(attempts);
      nodes.node(1).close();
      startNode();
      pushAndFire(4, 1);
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(accepted).hasSize(100));
      assertThat(accepted.keySet()).containsAll(fired);
      attemptsBefore.forEach((key, n) -> assertThat(attempts.get(key)).as("attempts of %s after the restart", key).isEqualTo(n));
    }
  }
}
