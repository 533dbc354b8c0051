package io.keyflow.node;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Clients of the {@code ledger} pipeline (a count per key in a one-day window): each request gets a
 * fresh Idempotency-Key and is retried with that key, on the next node, until a 200; the ledger
 * counts what was acknowledged. Every failed attempt is recorded (status, -1 for no answer) with
 * the time of the first and last, so a test reports what the clients saw.
 */
final class LedgerLoad implements AutoCloseable {

  static final String PIPELINE = """
      keyflow.pipelines.ledger {
        max-out-of-orderness = 1h
        window { type = tumbling, size = 1d }
        aggregations = [ { name = n, fn = count } ]
      }
      """;

  private static final int KEYS = 256;
  private static final int EVENTS_PER_REQUEST = 200;

  private final Supplier<List<String>> baseUrls;
  private final Map<String, AtomicLong> ledger = new ConcurrentHashMap<>();
  private final Map<Integer, AtomicInteger> failures = new ConcurrentHashMap<>();
  private final AtomicLong firstFailureNanos = new AtomicLong();
  private final AtomicLong lastFailureNanos = new AtomicLong();
  private final AtomicLong lastSuccessNanos = new AtomicLong();
  private final AtomicLong longestPauseNanos = new AtomicLong();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ExecutorService pool;
  private final List<Future<Integer>> workers = new ArrayList<>();

  /** Starts {@code workers} clients against the nodes {@code baseUrls} names at each attempt. */
  LedgerLoad(int workerCount, Supplier<List<String>> baseUrls) {
    this.baseUrls = baseUrls;
    this.pool = Executors.newFixedThreadPool(workerCount);
    lastSuccessNanos.set(System.nanoTime());
    for (int w = 0; w < workerCount; w++) {
      int worker = w;
      workers.add(pool.submit(() -> pushUntilStopped(worker)));
    }
  }

  long acknowledged() {
    return ledger.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Waits until {@code more} events beyond what is acknowledged now are acknowledged. */
  void awaitMore(long more, Duration atMost) {
    long target = acknowledged() + more;
    await("" + target + " events acknowledged").atMost(atMost).pollInterval(Duration.ofMillis(250))
        .until(() -> acknowledged() >= target);
  }

  /** Stops the clients; the requests they sent. */
  int stop() throws Exception {
    running.set(false);
    int requests = 0;
    for (Future<Integer> worker : workers) {
      requests += worker.get();
    }
    pool.shutdown();
    return requests;
  }

  Map<String, Long> expected() {
    Map<String, Long> expected = new HashMap<>();
    ledger.forEach((key, count) -> expected.put(key, count.get()));
    return expected;
  }

  /** Failed attempts by status (-1: no answer), and over how long they came. */
  String failureReport() {
    Map<Integer, Integer> byStatus = new TreeMap<>();
    failures.forEach((status, n) -> byStatus.put(status, n.get()));
    double span = byStatus.isEmpty() ? 0 : (lastFailureNanos.get() - firstFailureNanos.get()) / 1e9;
    return String.format("failed attempts by status %s over %.1f s, longest gap between acknowledgements %.1f s",
        byStatus, span, longestPauseNanos.get() / 1e9);
  }

  private int pushUntilStopped(int worker) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    int sent = 0;
    AtomicInteger next = new AtomicInteger(worker);
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
      // Retried (next node, same Idempotency-Key) until acknowledged; 120 s covers a failover.
      await("request " + id + " acknowledged").atMost(Duration.ofSeconds(120)).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> {
            List<String> urls = baseUrls.get();
            int status = post(client, urls.get(Math.floorMod(next.getAndIncrement(), urls.size())), id, payload);
            if (status != 200) {
              long now = System.nanoTime();
              firstFailureNanos.compareAndSet(0, now);
              lastFailureNanos.set(now);
              failures.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
              return false;
            }
            counts.forEach((key, n) -> ledger.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(n));
            long now = System.nanoTime();
            longestPauseNanos.accumulateAndGet(now - lastSuccessNanos.getAndSet(now), Math::max);
            return true;
          });
      sent++;
    }
    return sent;
  }

  private static int post(HttpClient client, String baseUrl, String id, String body) throws InterruptedException {
    try {
      return client.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/pipelines/ledger/events"))
          .timeout(Duration.ofSeconds(30))
          .header("Content-Type", "application/x-ndjson").header("Idempotency-Key", id)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    running.set(false);
    pool.shutdownNow();
  }
}
