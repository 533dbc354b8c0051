package io.keyflow.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Turns this node's meters into {@link NodeFigures}, one interval at a time: each {@link #sample}
 * reports what changed since the previous one (counter deltas over the elapsed time, ack latency
 * percentiles of the histogram buckets that filled in between). The first sample covers the time
 * since the sampler was made. Not thread-safe: one caller samples.
 */
final class FigureSampler {

  private static final String INGEST_ROUTE = "/v1/pipelines/{pipeline}/events";

  private final MeterRegistry registry;
  private final LongSupplier clockMillis;
  private long lastAt;
  private double lastAcked;
  private double lastRejected;
  private Map<String, Double> lastAnswers;
  private double[] lastBuckets;
  private double lastJournalCount;
  private double lastJournalMillis;
  /** Recovery time per key group (meter id) at the last sample: a new or changed one is a recovery. */
  private Map<Meter.Id, Double> lastRecoveries;

  FigureSampler(MeterRegistry registry, LongSupplier clockMillis) {
    this.registry = registry;
    this.clockMillis = clockMillis;
    this.lastAt = clockMillis.getAsLong();
    // Start from the meters as they are: the first interval reports what happens after this.
    this.lastAcked = counterSum("keyflow.ingest.events");
    this.lastRejected = counterSum("keyflow.ingest.rejected");
    this.lastAnswers = answers();
    Timer ack = registry.find("keyflow.ingest.ack.latency").timer();
    this.lastBuckets = ack == null ? new double[0] : cumulative(ack.takeSnapshot().histogramCounts());
    this.lastJournalCount = journal(false);
    this.lastJournalMillis = journal(true);
    this.lastRecoveries = recoveries();
  }

  NodeFigures sample() {
    long now = clockMillis.getAsLong();
    double seconds = Math.max(1e-3, (now - lastAt) / 1000.0);

    double acked = counterSum("keyflow.ingest.events");
    double rejected = counterSum("keyflow.ingest.rejected");
    Map<String, Double> answers = answers();
    Map<String, Double> answerRates = new TreeMap<>();
    answers.forEach((status, n) -> {
      double delta = n - lastAnswers.getOrDefault(status, 0.0);
      if (delta > 0) {
        answerRates.put(status, delta / seconds);
      }
    });

    double p50 = Double.NaN;
    double p99 = Double.NaN;
    Timer ack = registry.find("keyflow.ingest.ack.latency").timer();
    double[] buckets = lastBuckets;
    if (ack != null) {
      CountAtBucket[] counts = ack.takeSnapshot().histogramCounts();
      buckets = cumulative(counts);
      double[] delta = new double[buckets.length];
      for (int i = 0; i < buckets.length; i++) {
        delta[i] = buckets[i] - (i < lastBuckets.length ? lastBuckets[i] : 0);
      }
      p50 = quantile(0.5, counts, delta);
      p99 = quantile(0.99, counts, delta);
    }

    double journalCount = journal(false);
    double journalMillis = journal(true);
    double writes = journalCount - lastJournalCount;
    // Key groups that moved away take their meters along: a negative difference is not a measurement.
    double journalMean = writes > 0 && journalMillis >= lastJournalMillis
        ? (journalMillis - lastJournalMillis) / writes : Double.NaN;

    int keyGroups = (int) registry.find("keyflow.key.groups").gauges().stream().mapToDouble(Gauge::value).sum();

    Map<Meter.Id, Double> recoveries = recoveries();
    int recovered = 0;
    double slowest = Double.NaN;
    for (var entry : recoveries.entrySet()) {
      if (!entry.getValue().equals(lastRecoveries.get(entry.getKey()))) {
        recovered++;
        slowest = Double.isNaN(slowest) ? entry.getValue() : Math.max(slowest, entry.getValue());
      }
    }

    NodeFigures figures = new NodeFigures(now, Math.max(0, acked - lastAcked) / seconds, answerRates,
        Math.max(0, rejected - lastRejected) / seconds, p50, p99, journalMean, keyGroups, recovered, slowest);
    lastRecoveries = recoveries;
    lastAt = now;
    lastAcked = acked;
    lastRejected = rejected;
    lastAnswers = answers;
    lastBuckets = buckets;
    lastJournalCount = journalCount;
    lastJournalMillis = journalMillis;
    return figures;
  }

  /**
   * The {@code q} quantile (ms) of the values counted in {@code delta} (per bucket, cumulative),
   * linear within its bucket; NaN when nothing was counted.
   */
  static double quantile(double q, CountAtBucket[] bounds, double[] delta) {
    int n = Math.min(bounds.length, delta.length);
    if (n == 0 || delta[n - 1] <= 0) {
      return Double.NaN;
    }
    double rank = q * delta[n - 1];
    double lowerBound = 0;
    double below = 0;
    for (int i = 0; i < n; i++) {
      double upperBound = bounds[i].bucket(TimeUnit.MILLISECONDS);
      if (delta[i] >= rank) {
        double inBucket = delta[i] - below;
        double fraction = inBucket <= 0 ? 1 : (rank - below) / inBucket;
        return lowerBound + (upperBound - lowerBound) * fraction;
      }
      lowerBound = upperBound;
      below = delta[i];
    }
    return lowerBound;
  }

  private static double[] cumulative(CountAtBucket[] counts) {
    double[] out = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      out[i] = counts[i].count();
    }
    return out;
  }

  /** The key groups' last recovery times (s) that are known, by meter (pipeline, stage, key group). */
  private Map<Meter.Id, Double> recoveries() {
    Map<Meter.Id, Double> out = new HashMap<>();
    for (Gauge g : registry.find("keyflow.key.group.recovery.seconds").gauges()) {
      double v = g.value();
      if (Double.isFinite(v)) {
        out.put(g.getId(), v);
      }
    }
    return out;
  }

  private double counterSum(String name) {
    return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Ingest answers so far, by status. */
  private Map<String, Double> answers() {
    Map<String, Double> byStatus = new HashMap<>();
    for (Counter c : registry.find("keyflow.http.requests").tag("route", INGEST_ROUTE).counters()) {
      byStatus.merge(c.getId().getTag("status"), c.count(), Double::sum);
    }
    return byStatus;
  }

  /**
   * Journal confirmations so far over the key groups held now: their number, or their total time
   * (ms). A key group that moves away takes its meter along, so an interval with a move may count
   * fewer writes than there were (its mean stays a mean of real writes).
   */
  private double journal(boolean totalMillis) {
    double sum = 0;
    for (Timer t : registry.find("keyflow.journal.write.latency").timers()) {
      sum += totalMillis ? t.totalTime(TimeUnit.MILLISECONDS) : t.count();
    }
    return sum;
  }
}
