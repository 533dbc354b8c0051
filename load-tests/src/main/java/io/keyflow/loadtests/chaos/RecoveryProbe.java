package io.keyflow.loadtests.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Measures recovery the way the brief defines it — the time from the fault to the first 2xx for a
 * moved key group — independently of the load clients' timeouts and retries: every 250 ms it writes
 * one event for each of {@code keys} probe keys (spread over most key groups) to a probe pipeline of
 * its own, each to the next untouched node with a 3 s timeout (a loaded 2-core machine answers healthy
 * writes in 0.5–2 s), without waiting for the key's earlier writes (up to 4 in flight), so a key group
 * that is back is seen within a round plus one answer, not after an earlier write's timeout. Before
 * the first fault it asks an untouched node where every key group of the probe pipeline lives
 * ({@code GET /v1/cluster}, {@link ProbePlacement}); a probe key is affected when its key group was on a node that then
 * faulted, and it is back at the answer of its first 2xx to a write sent after <em>that node's</em>
 * fault — whether or not a write failed first: a group that moves within the 3 s timeout answers the
 * buffered write late but never fails it (a placement still settling can name a node the group
 * already left: then the first write after the fault is its figure). Failures after a key is back (a
 * rejoining node taking its groups again) are not recoveries of this fault.
 * {@link #firstRecoverySeconds} is the earliest of those, {@link #allRecoveredSeconds} the latest. A
 * write of a key group that never moved but timed out under load is a client pause (the chaos
 * runner's pause_max_s), not a recovery. If the placement cannot be read, or no probe key group is on
 * a faulted node (a Cassandra fault), a probe key is affected when one of its writes after the (first)
 * fault failed, and back at its first 2xx after that failure.
 * failed. The probe pipeline is never checked: probes are not retried.
 */
final class RecoveryProbe {

  private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
  private static final long ROUND_NANOS = 250_000_000L;
  /** Writes of one probe key in flight at most: a new one every round while earlier ones still wait. */
  private static final int IN_FLIGHT_PER_KEY = 4;

  private final List<String> nodes;
  private final String pipeline;
  private final int keys;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(ATTEMPT_TIMEOUT).build();
  private final AtomicLong faultAt = new AtomicLong();
  /**
   * Per probe key: nanos of the fault it is measured from (0: not affected yet), of its first failure
   * after it (0: none) and of its first 2xx after it (placement known) or after that failure (not known).
   */
  private final AtomicLongArray affectedAt;
  private final AtomicLongArray failedAt;
  private final AtomicLongArray recoveredAt;
  /** First fault of each node host. */
  private final Map<String, Long> faultAtByHost = new ConcurrentHashMap<>();
  private final AtomicLong sent = new AtomicLong();
  /** Probes answered 4xx: the probe itself is wrong, and its figures mean nothing. */
  final AtomicLong rejected = new AtomicLong();
  /** Probe keys whose key group was on a faulted node at the fault; null until known (or unknown). */
  private volatile boolean[] moved;
  private volatile boolean placementRead;
  /** Key group of each probe key, once the placement was read. */
  private volatile int[] groups;
  /** Host of the node holding each probe key's group before the first fault, once the placement was read. */
  private volatile String[] holders;

  RecoveryProbe(List<String> nodes, String pipeline, int keys) {
    this.nodes = nodes;
    this.pipeline = pipeline;
    this.keys = keys;
    this.affectedAt = new AtomicLongArray(keys);
    this.failedAt = new AtomicLongArray(keys);
    this.recoveredAt = new AtomicLongArray(keys);
  }

  /**
   * Reads where the probe's key groups are, once, before the first fault is injected (so the read,
   * slow on a loaded cluster, neither delays the fault nor counts towards the recovery figures).
   */
  void readPlacement() {
    if (faultAt.get() == 0 && moved == null && !placementRead) {
      placementRead = true;
      ProbePlacement placement = ProbePlacement.read(http, nodes, pipeline, keys);
      if (placement != null) {
        groups = placement.groups();
        holders = placement.holders();
        moved = placement.onFaulted();
      }
    }
  }

  /** Marks a fault of the node at {@code host} (null: not of one node); the first fault of each host counts. */
  void fault(long nanos, String host) {
    faultAt.compareAndSet(0, nanos);
    if (host != null) {
      faultAtByHost.putIfAbsent(host, nanos);
    }
  }

  /** Probes until {@code running} turns false. */
  void run(AtomicBoolean running) throws InterruptedException {
    int[] inFlight = new int[keys];
    Object lock = new Object();
    long round = 0;
    while (running.get()) {
      long started = System.nanoTime();
      for (int k = 0; k < keys; k++) {
        synchronized (lock) {
          if (inFlight[k] == IN_FLIGHT_PER_KEY) {
            continue;
          }
          inFlight[k]++;
        }
        int key = k;
        String node = nodes.get((int) ((round + k) % nodes.size()));
        long sentAt = System.nanoTime();
        long n = sent.incrementAndGet();
        String body = "[{\"key\":\"probe" + key + "\",\"ts\":" + (3_600_000 + n) + "}]";
        http.sendAsync(HttpRequest.newBuilder(URI.create(node + "/v1/pipelines/" + pipeline + "/events"))
                .timeout(ATTEMPT_TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
            .handle((response, error) -> {
              if (error == null && response.statusCode() / 100 == 4) {
                rejected.incrementAndGet();
              }
              record(key, sentAt, error == null && response.statusCode() == 200);
              synchronized (lock) {
                inFlight[key]--;
              }
              return null;
            });
      }
      round++;
      long left = ROUND_NANOS - (System.nanoTime() - started);
      if (left > 0) {
        Thread.sleep(left / 1_000_000);
      }
    }
  }

  private void record(int key, long sentAt, boolean ok) {
    long fault = faultAt.get();
    if (fault == 0 || sentAt < fault) {
      return;
    }
    long now = System.nanoTime();
    boolean[] placement = moved;
    if (placement == null) {
      if (!ok) {
        affectedAt.compareAndSet(key, 0, fault);
        failedAt.compareAndSet(key, 0, now);
      } else if (failedAt.get(key) != 0) {
        recoveredAt.compareAndSet(key, 0, now);
      }
      return;
    }
    if (!placement[key]) {
      return;   // its key group was not on a faulted node: a failure is a client pause, not a recovery
    }
    Long own = faultAtByHost.get(holders[key]);
    if (own == null || sentAt < own) {
      return;   // its node has not faulted (yet), or the write was sent before
    }
    affectedAt.compareAndSet(key, 0, own);
    if (ok) {
      recoveredAt.compareAndSet(key, 0, now);
    } else if (recoveredAt.get(key) == 0) {
      failedAt.compareAndSet(key, 0, now);
    }
  }

  /**
   * Waits until every probe key whose key group was on a faulted node has failed and then had a 2xx
   * (its group runs on a survivor), or until {@code deadlineNanos}; without a placement, until the
   * deadline. Returns whether they all did.
   */
  boolean awaitMovedBack(long deadlineNanos) throws InterruptedException {
    while (System.nanoTime() < deadlineNanos) {
      boolean[] placement = moved;
      if (placement != null && allBack(placement)) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private boolean allBack(boolean[] placement) {
    for (int k = 0; k < keys; k++) {
      if (placement[k] && faultAtByHost.containsKey(holders[k]) && recoveredAt.get(k) == 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Per affected probe key: its key group, and seconds from its fault to its first failure (if any) and
   * to its first 2xx.
   */
  String timeline() {
    int[] groupOf = groups;
    StringBuilder line = new StringBuilder();
    for (int k = 0; k < keys; k++) {
      long fault = affectedAt.get(k);
      if (fault == 0) {
        continue;
      }
      long failed = failedAt.get(k);
      long back = recoveredAt.get(k);
      line.append(String.format(" probe%d(kg %s) %s back %s;", k, groupOf == null ? "?" : groupOf[k],
          failed == 0 ? "no failure" : String.format("failed %.1f", (failed - fault) / 1e9),
          back == 0 ? "never" : String.format("%.1f", (back - fault) / 1e9)));
    }
    return line.toString();
  }

  /** Probe keys affected by a fault (with the placement: those whose group was on a node that faulted). */
  int affected() {
    int affected = 0;
    for (int k = 0; k < keys; k++) {
      affected += affectedAt.get(k) != 0 ? 1 : 0;
    }
    return affected;
  }

  /** Seconds from its fault to the first 2xx of the quickest affected key; -1 if none recovered (or none affected). */
  double firstRecoverySeconds() {
    return bound(true);
  }

  /** Seconds from its fault until the slowest affected key had a 2xx; -1 if one never did. */
  double allRecoveredSeconds() {
    return bound(false);
  }

  private double bound(boolean first) {
    long best = first ? Long.MAX_VALUE : 0;
    boolean any = false;
    for (int k = 0; k < keys; k++) {
      long fault = affectedAt.get(k);
      if (fault == 0) {
        continue;
      }
      long back = recoveredAt.get(k);
      if (back == 0) {
        if (!first) {
          return -1;
        }
        continue;
      }
      any = true;
      best = first ? Math.min(best, back - fault) : Math.max(best, back - fault);
    }
    return any ? best / 1e9 : -1;
  }
}
