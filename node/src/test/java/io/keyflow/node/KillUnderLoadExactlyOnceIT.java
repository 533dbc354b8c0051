package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * kill -9 of one of three nodes while clients push with Idempotency-Keys and retry every failure
 * with the same key: at the end the results must equal the clients' ledger of acknowledged events
 * exactly — nothing lost, nothing counted twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KillUnderLoadExactlyOnceIT {

  private static final int KEYS = 256;
  private static final int WORKERS = 4;
  private static final int EVENTS_PER_REQUEST = 200;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final HttpJson http = new HttpJson();
  private final String keyspace = TestCassandra.uniqueKeyspace("kf_exactly");
  private final Map<String, AtomicLong> ledger = new ConcurrentHashMap<>();
  private final AtomicInteger failedAttempts = new AtomicInteger();
  private final AtomicLong lastSuccessNanos = new AtomicLong();
  private final AtomicLong longestPauseNanos = new AtomicLong();

  @BeforeAll
  void startCluster() throws Exception {
    TestCassandra.ensureRunning();
    Path pipelines = TestCassandra.home().resolve("target/it-pipelines-exactly.conf");
    Files.createDirectories(pipelines.getParent());
    // One long window and a generous bound: retried events arrive late in wall time but never late in event time.
    Files.writeString(pipelines, """
        keyflow.pipelines.ledger {
          max-out-of-orderness = 1h
          window { type = tumbling, size = 1d }
          aggregations = [ { name = n, fn = count } ]
        }
        """);
    for (int n = 1; n <= 3; n++) {
      NodeProcess node = NodeProcess.start(n, keyspace, pipelines);
      nodes.add(node);
      node.awaitReady(Duration.ofSeconds(240));
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    for (NodeProcess node : nodes) {
      node.close();
    }
  }

  @Test
  void everyAcknowledgedEventIsCountedExactlyOnceAfterKillMinusNine() throws Exception {
    NodeProcess victim = nodes.get(2);
    String victimAddress = "pekko://keyflow@" + victim.host() + ":" + NodeProcess.REMOTE_PORT;
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      JsonNode settled = http.get(nodes.get(0).baseUrl() + "/v1/cluster").json();
      assertThat(settled.get("balanced").asBoolean()).isTrue();
      assertThat(settled.get("pipelines").toString()).contains(victimAddress);
    });

    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
    List<Future<Integer>> workers = new ArrayList<>();
    lastSuccessNanos.set(System.nanoTime());
    for (int w = 0; w < WORKERS; w++) {
      int worker = w;
      workers.add(pool.submit(() -> pushUntilStopped(worker, running)));
    }
    // Kill once the load is really flowing, and stop once it flowed well past the failover.
    await().atMost(Duration.ofSeconds(60)).until(() -> total() >= 1_000);
    victim.kill();
    long killedAt = System.nanoTime();
    long acknowledgedAtKill = total();
    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
        .until(() -> total() >= acknowledgedAtKill + 4_000);
    running.set(false);
    int requests = 0;
    for (Future<Integer> worker : workers) {
      requests += worker.get();
    }
    pool.shutdown();
    System.out.printf("kill -9 under load: %d requests, %d events acknowledged (%d before the kill), %d failed attempts"
            + " retried, longest gap between acknowledgements %.1f s%n",
        requests, total(), acknowledgedAtKill, failedAttempts.get(), longestPauseNanos.get() / 1e9);
    assertThat(total()).isGreaterThan(acknowledgedAtKill);
    assertThat(System.nanoTime() - killedAt).isPositive();

    var wm = http.post(nodes.get(0).baseUrl() + "/v1/pipelines/ledger/watermark", "application/json",
        ("{\"watermark\":" + (4L * 86_400_000) + "}").getBytes(StandardCharsets.UTF_8));
    assertThat(wm.status()).as(wm.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      Map<String, Long> counted = new HashMap<>();
      for (JsonNode r : http.get(nodes.get(1).baseUrl() + "/v1/pipelines/ledger/results").json()) {
        counted.merge(r.get("key").asText(), r.get("values").get("n").asLong(), Long::sum);
      }
      Map<String, Long> expected = new HashMap<>();
      ledger.forEach((key, count) -> expected.put(key, count.get()));
      assertThat(counted).isEqualTo(expected);
    });
  }

  /** One client: sends requests with fresh Idempotency-Keys, retrying each (any node) until 200. */
  private int pushUntilStopped(int worker, AtomicBoolean running) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    int sent = 0;
    int attempt = worker;
    while (running.get()) {
      String id = "w" + worker + "-r" + sent;
      Map<String, Long> counts = new HashMap<>();
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < EVENTS_PER_REQUEST; i++) {
        String key = "key-" + ((sent * 31 + i * 7 + worker) % KEYS);
        counts.merge(key, 1L, Long::sum);
        body.append("{\"key\":\"").append(key).append("\",\"ts\":").append(3_600_000 + sent).append("}\n");
      }
      String payload = body.toString();
      AtomicInteger next = new AtomicInteger(attempt);
      // Retried (any node, same Idempotency-Key) until acknowledged; 90 s covers a failover.
      await("request " + id + " acknowledged").atMost(Duration.ofSeconds(90)).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> {
            if (post(client, nodes.get(next.getAndIncrement() % nodes.size()), id, payload) != 200) {
              failedAttempts.incrementAndGet();
              return false;
            }
            counts.forEach((key, n) -> ledger.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(n));
            long now = System.nanoTime();
            longestPauseNanos.accumulateAndGet(now - lastSuccessNanos.getAndSet(now), Math::max);
            return true;
          });
      attempt = next.get();
      sent++;
    }
    return sent;
  }

  private static int post(HttpClient client, NodeProcess node, String id, String body) throws InterruptedException {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/pipelines/ledger/events"))
          .timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/x-ndjson").header("Idempotency-Key", id)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  private long total() {
    return ledger.values().stream().mapToLong(AtomicLong::get).sum();
  }
}
