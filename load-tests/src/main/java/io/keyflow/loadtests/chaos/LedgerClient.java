package io.keyflow.loadtests.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A chaos client: sends requests of events carrying per-key sequence numbers, each with its own
 * Idempotency-Key, retries every failure with the same key and body (on the next node) until it is
 * acknowledged, and keeps the ledger of what was acknowledged. Bounded: stops when told, and gives
 * a request up after {@code giveUpAfter}.
 */
final class LedgerClient {

  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

  private final List<String> nodes;
  private final String pipeline;
  private final int keys;
  private final int eventsPerRequest;
  private final Duration giveUpAfter;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Map<String, AtomicLong> nextSeq = new ConcurrentHashMap<>();
  final Map<String, SortedSet<Long>> ledger = new ConcurrentHashMap<>();
  final AtomicLong acked = new AtomicLong();
  /** While set, the workers send nothing. */
  final AtomicBoolean held = new AtomicBoolean();
  final AtomicLong failedAttempts = new AtomicLong();
  /** Per acknowledged request, microseconds from its first send to its acknowledgement (retries included). */
  final org.HdrHistogram.Recorder ackLatencyMicros = new org.HdrHistogram.Recorder(3);
  final AtomicLong retriedRequests = new AtomicLong();
  final AtomicLong abandoned = new AtomicLong();
  /** Nanos of the most recent acknowledgement, and the longest silence between two. */
  final AtomicLong lastAckNanos = new AtomicLong(System.nanoTime());
  final AtomicLong longestPauseNanos = new AtomicLong();
  /** Set by the runner at a fault; the first acknowledgement of a request sent after it ends recovery. */
  final AtomicLong faultAtNanos = new AtomicLong();
  final AtomicLong recoveredAtNanos = new AtomicLong();
  /** Every failed attempt by status (-1: no answer), and when the first and the last came. */
  final Map<Integer, AtomicLong> failuresByStatus = new ConcurrentHashMap<>();
  final AtomicLong firstFailureNanos = new AtomicLong();
  final AtomicLong lastFailureNanos = new AtomicLong();

  LedgerClient(List<String> nodes, String pipeline, int keys, int eventsPerRequest, Duration giveUpAfter) {
    this.nodes = nodes;
    this.pipeline = pipeline;
    this.keys = keys;
    this.eventsPerRequest = eventsPerRequest;
    this.giveUpAfter = giveUpAfter;
  }

  /**
   * One worker's loop; returns the number of requests it completed. With {@code intervalNanos > 0}
   * a new request starts at most every interval (paced), otherwise as soon as the previous one is acknowledged.
   */
  long run(int worker, long seed, AtomicBoolean running, long intervalNanos) throws InterruptedException {
    Random random = new Random(seed * 31 + worker);
    long requests = 0;
    int node = worker;
    long nextAt = System.nanoTime();
    while (running.get()) {
      if (held.get()) {
        // No load on purpose (a scenario wants the cluster idle): not a pause of the service.
        lastAckNanos.set(System.nanoTime());
        Thread.sleep(100);
        continue;
      }
      if (intervalNanos > 0) {
        long wait = nextAt - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        nextAt = Math.max(nextAt + intervalNanos, System.nanoTime() - intervalNanos);
      }
      node += send(random, "chaos-" + seed + "-w" + worker + "-" + requests, node, ATTEMPT_TIMEOUT).attempts();
      requests++;
    }
    return requests;
  }

  /** How a {@link #send} ended: acknowledged or given up, after how many attempts (one per node tried). */
  record Sent(boolean acknowledged, int attempts) {}

  /**
   * One request of {@code eventsPerRequest} fresh events under {@code id}: its first attempt goes to
   * node index {@code firstNode} with {@code firstTimeout}, every retry (same key and body) to the
   * next node with the usual timeout, until it is acknowledged (then it enters the ledger) or
   * {@code giveUpAfter} has passed.
   */
  Sent send(Random random, String id, int firstNode, Duration firstTimeout) throws InterruptedException {
    Map<String, java.util.List<Long>> seqs = new TreeMap<>();
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < eventsPerRequest; i++) {
      String key = "c" + random.nextInt(keys);
      long seq = nextSeq.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
      seqs.computeIfAbsent(key, k -> new java.util.ArrayList<>()).add(seq);
      body.append("{\"key\":\"").append(key).append("\",\"ts\":").append(3_600_000 + seq)
          .append(",\"seq\":").append(seq).append("}\n");
    }
    long sentAt = System.nanoTime();
    long deadline = sentAt + giveUpAfter.toNanos();
    int attempt = 0;
    boolean acknowledged = false;
    while (true) {
      int status = post(nodes.get((firstNode + attempt) % nodes.size()), id, body.toString(),
          attempt == 0 ? firstTimeout : ATTEMPT_TIMEOUT);
      if (status == 200) {
        seqs.forEach((key, list) -> ledger.computeIfAbsent(key, k -> new ConcurrentSkipListSet<>()).addAll(list));
        acked.addAndGet(eventsPerRequest);
        long now = System.nanoTime();
        ackLatencyMicros.recordValue(Math.max(1, (now - sentAt) / 1_000));
        longestPauseNanos.accumulateAndGet(now - lastAckNanos.getAndSet(now), Math::max);
        long fault = faultAtNanos.get();
        if (fault != 0 && sentAt > fault) {
          recoveredAtNanos.compareAndSet(0, now);
        }
        acknowledged = true;
        break;
      }
      failedAttempts.incrementAndGet();
      failuresByStatus.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
      long failedAt = System.nanoTime();
      firstFailureNanos.compareAndSet(0, failedAt);
      lastFailureNanos.set(failedAt);
      attempt++;
      if (System.nanoTime() > deadline) {
        abandoned.incrementAndGet();
        break;
      }
      Thread.sleep(200);
    }
    if (attempt > 0) {
      retriedRequests.incrementAndGet();
    }
    return new Sent(acknowledged, acknowledged ? attempt + 1 : attempt);
  }

  /** "{503=4, -1=2}" and the seconds from the first failed attempt to the last ("0.0" if none). */
  String failureReport() {
    Map<Integer, Long> byStatus = new TreeMap<>();
    failuresByStatus.forEach((status, n) -> byStatus.put(status, n.get()));
    double span = byStatus.isEmpty() ? 0 : (lastFailureNanos.get() - firstFailureNanos.get()) / 1e9;
    return "non_2xx=" + byStatus.toString().replace(" ", "") + String.format(" non_2xx_span_s=%.1f", span);
  }

  private int post(String node, String id, String body, Duration timeout) {
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(node + "/v1/pipelines/" + pipeline + "/events"))
          // A stopped or cut-off node accepts the connection and never answers: give up on it well
          // before the node's own ask-timeout would, and retry the same request on the next node.
          .timeout(timeout)
          .header("Content-Type", "application/x-ndjson").header("Idempotency-Key", id)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
      return response.statusCode();
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
