package io.keyflow.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
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
public final class FigureSampler {

  private static final String INGEST_ROUTE = "/v1/pipelines/{pipeline}/events";
  private static final String APPLIED = "keyflow.ingest.applied.latency";
  private static final String WRITTEN = "keyflow.results.written.lag";
  private static final String FORWARDED = "keyflow.stage.forwarded.lag";
  private static final List<String> LATENCIES = List.of("keyflow.ingest.ack.latency", APPLIED, WRITTEN, FORWARDED);

  private final MeterRegistry registry;
  private final LongSupplier clockMillis;
  private long lastAt;
  private double lastAcked;
  private double lastRejected;
  private Map<String, Double> lastAnswers;
  /** Cumulative bucket counts per latency histogram at the last sample: the interval is the difference. */
  private final Map<Meter.Id, double[]> lastBuckets = new HashMap<>();
  private double lastJournalCount;
  private double lastJournalMillis;
  /** Recovery time per key group (meter id) at the last sample: a new or changed one is a recovery. */
  private Map<Meter.Id, Double> lastRecoveries;
  private double lastMoved;

  FigureSampler(MeterRegistry registry, LongSupplier clockMillis) {
    this.registry = registry;
    this.clockMillis = clockMillis;
    this.lastAt = clockMillis.getAsLong();
    // Start from the meters as they are: the first interval reports what happens after this.
    this.lastAcked = counterSum("keyflow.ingest.events");
    this.lastRejected = counterSum("keyflow.ingest.rejected");
    this.lastAnswers = answers();
    for (String name : LATENCIES) {
      registry.find(name).timers().forEach(t -> intervalQuantiles(t));
    }
    this.lastJournalCount = journal(false);
    this.lastJournalMillis = journal(true);
    this.lastRecoveries = recoveries();
    this.lastMoved = counterSum("keyflow.key.groups.moved");
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

    Timer ack = registry.find("keyflow.ingest.ack.latency").timer();
    double[] ackQuantiles = ack == null ? new double[] {Double.NaN, Double.NaN} : intervalQuantiles(ack);

    double journalCount = journal(false);
    double journalMillis = journal(true);
    double writes = journalCount - lastJournalCount;
    // Key groups that moved away take their meters along: a negative difference is not a measurement.
    double journalMean = writes > 0 && journalMillis >= lastJournalMillis
        ? (journalMillis - lastJournalMillis) / writes : Double.NaN;

    int keyGroups = (int) registry.find("keyflow.key.groups").gauges().stream().mapToDouble(Gauge::value).sum();

    Map<Meter.Id, Double> recoveries = recoveries();
    double moved = counterSum("keyflow.key.groups.moved");
    int recovered = 0;
    double slowest = Double.NaN;
    for (var entry : recoveries.entrySet()) {
      if (!entry.getValue().equals(lastRecoveries.get(entry.getKey()))) {
        recovered++;
        slowest = Double.isNaN(slowest) ? entry.getValue() : Math.max(slowest, entry.getValue());
      }
    }

    NodeFigures figures = new NodeFigures(now, Math.max(0, acked - lastAcked) / seconds, answerRates,
        Math.max(0, rejected - lastRejected) / seconds, ackQuantiles[0], ackQuantiles[1], journalMean, keyGroups,
        recovered, slowest, (int) Math.max(0, moved - lastMoved), stages());
    lastMoved = moved;
    lastRecoveries = recoveries;
    lastAt = now;
    lastAcked = acked;
    lastRejected = rejected;
    lastAnswers = answers;
    lastJournalCount = journalCount;
    lastJournalMillis = journalMillis;
    return figures;
  }

  /** The p50 and p99 (ms) of what {@code timer} recorded since the last call for it. */
  private double[] intervalQuantiles(Timer timer) {
    CountAtBucket[] counts = timer.takeSnapshot().histogramCounts();
    double[] buckets = cumulative(counts);
    double[] before = lastBuckets.getOrDefault(timer.getId(), new double[0]);
    double[] delta = new double[buckets.length];
    for (int i = 0; i < buckets.length; i++) {
      delta[i] = buckets[i] - (i < before.length ? before[i] : 0);
    }
    lastBuckets.put(timer.getId(), buckets);
    return new double[] {quantile(0.5, counts, delta), quantile(0.99, counts, delta)};
  }

  /** Per stage: its key groups here, their event time and the slowest watermarks, the interval's p99 lags. */
  private List<StageFigures> stages() {
    Map<String, StageBuilder> stages = new TreeMap<>();
    for (Gauge g : registry.find("keyflow.key.group.event.time.max").gauges()) {
      StageBuilder stage = stage(stages, g.getId());
      stage.keyGroups++;
      double v = g.value();
      if (Double.isFinite(v)) {
        stage.maxEventTime = Double.isNaN(stage.maxEventTime) ? v : Math.max(stage.maxEventTime, v);
      }
    }
    for (Gauge g : registry.find("keyflow.key.group.watermark").gauges()) {
      double v = g.value();
      String keyGroup = g.getId().getTag("key_group");
      if (Double.isFinite(v) && keyGroup != null) {
        stage(stages, g.getId()).watermarks.add(new StageFigures.Watermark(Integer.parseInt(keyGroup), v));
      }
    }
    for (String name : List.of(APPLIED, WRITTEN, FORWARDED)) {
      for (Timer t : registry.find(name).timers()) {
        double p99 = intervalQuantiles(t)[1];
        StageBuilder stage = stage(stages, t.getId());
        switch (name) {
          case APPLIED -> stage.applied = p99;
          case WRITTEN -> stage.written = p99;
          default -> stage.forwarded = p99;
        }
      }
    }
    List<StageFigures> out = new ArrayList<>();
    for (StageBuilder b : stages.values()) {
      // A stage this node holds no key group of and that had no sample in the interval says nothing.
      if (b.keyGroups > 0 || Double.isFinite(b.applied) || Double.isFinite(b.written) || Double.isFinite(b.forwarded)) {
        b.watermarks.sort(Comparator.comparingDouble(StageFigures.Watermark::seconds));
        out.add(new StageFigures(b.pipeline, b.stage, b.keyGroups, b.maxEventTime,
            b.watermarks.subList(0, Math.min(StageFigures.SLOWEST, b.watermarks.size())), b.applied, b.written, b.forwarded));
      }
    }
    return out;
  }

  private static StageBuilder stage(Map<String, StageBuilder> stages, Meter.Id id) {
    String pipeline = String.valueOf(id.getTag("pipeline"));
    String stage = String.valueOf(id.getTag("stage"));
    return stages.computeIfAbsent(pipeline + '\u0000' + stage, k -> new StageBuilder(pipeline, stage));
  }

  private static final class StageBuilder {
    final String pipeline;
    final String stage;
    final List<StageFigures.Watermark> watermarks = new ArrayList<>();
    int keyGroups;
    double maxEventTime = Double.NaN;
    double applied = Double.NaN;
    double written = Double.NaN;
    double forwarded = Double.NaN;

    StageBuilder(String pipeline, String stage) {
      this.pipeline = pipeline;
      this.stage = stage;
    }
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
