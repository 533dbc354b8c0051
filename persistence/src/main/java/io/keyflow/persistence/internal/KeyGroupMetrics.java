package io.keyflow.persistence.internal;

import io.keyflow.persistence.KeyflowMetrics;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The meters of one key group entity on this node, tagged {@code pipeline}, {@code stage} and
 * {@code key_group}: created when the entity starts and removed when it stops (moves away), so a
 * node reports only the key groups it holds. Updated from the entity's own thread; gauges read
 * volatile fields when scraped.
 */
public final class KeyGroupMetrics {

  /** Watermark value of a key group that has not seen event time yet. */
  private static final long NO_WATERMARK = Long.MIN_VALUE;

  private final MeterRegistry registry;
  private final Timer journalWrite;
  private final DistributionSummary batchRecords;
  private final List<Meter> meters;
  private final AtomicInteger held;
  private final LongSupplier clock;
  private volatile long watermark = NO_WATERMARK;
  private volatile long maxEventTime = NO_WATERMARK;
  private volatile double recoverySeconds = Double.NaN;
  private volatile double snapshotBytes = Double.NaN;
  private boolean closed;

  public KeyGroupMetrics(KeyflowMetrics metrics, PipelineDefinition definition, int keyGroup, LongSupplier clock) {
    this.registry = metrics.registry();
    this.clock = clock;
    Tags tags = Tags.of("pipeline", definition.name(), "stage", definition.stage(), "key_group", Integer.toString(keyGroup));
    this.journalWrite = Timer.builder("keyflow.journal.write.latency").tags(tags)
        .description("Time from persisting a journal event to its confirmation (journal write incl. queueing)")
        .register(registry);
    this.batchRecords = DistributionSummary.builder("keyflow.journal.batch.records").tags(tags)
        .description("Records per journal event (group commit size)").register(registry);
    Gauge lag = Gauge.builder("keyflow.key.group.watermark.lag.seconds", this, KeyGroupMetrics::watermarkLagSeconds)
        .tags(tags).strongReference(true)
        .description("Wall clock minus the key group's event-time watermark; NaN before the first watermark")
        .register(registry);
    // Event time in seconds since the epoch, so Prometheus can compare key groups across nodes: a key
    // group's event-time lag is the stage's highest event time (over every key group, wherever it
    // runs) minus its watermark. Its own highest event time minus its watermark is always the
    // out-of-orderness bound, and the wall clock means nothing for replayed or old data.
    Gauge eventTimeWatermark = Gauge.builder("keyflow.key.group.watermark", this, m -> eventSeconds(m.watermark))
        .tags(tags).strongReference(true).baseUnit("seconds")
        .description("The key group's event-time watermark, in seconds since the epoch; NaN before the first")
        .register(registry);
    Gauge eventTimeMax = Gauge.builder("keyflow.key.group.event.time.max", this, m -> eventSeconds(m.maxEventTime))
        .tags(tags).strongReference(true).baseUnit("seconds")
        .description("The highest event time the key group has seen, in seconds since the epoch; NaN before the first")
        .register(registry);
    Gauge recovery = Gauge.builder("keyflow.key.group.recovery.seconds", this, m -> m.recoverySeconds)
        .tags(tags).strongReference(true)
        .description("Time the key group's last recovery took (snapshot load and journal replay)")
        .register(registry);
    Gauge snapshot = Gauge.builder("keyflow.snapshot.bytes", this, m -> m.snapshotBytes)
        .tags(tags).strongReference(true)
        .description("Serialized size of the key group's last snapshot taken on this node")
        .register(registry);
    this.meters = List.of(journalWrite, batchRecords, lag, eventTimeWatermark, eventTimeMax, recovery, snapshot);
    this.held = metrics.keyGroupsHeld(definition.name(), definition.stage());
    held.incrementAndGet();
  }

  /** A journal event of {@code records} records, persisted at {@code startNanos}, is confirmed. */
  public void written(long startNanos, int records) {
    journalWrite.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    batchRecords.record(records);
  }

  /** After a write or a recovery: the stage state's watermark and highest event time seen. */
  public void eventTime(long watermark, long maxEventTime) {
    this.watermark = watermark;
    this.maxEventTime = maxEventTime;
  }

  public void recovered(long millis) {
    this.recoverySeconds = millis / 1000.0;
  }

  public void snapshotTaken(int bytes) {
    this.snapshotBytes = bytes;
  }

  private static double eventSeconds(long millis) {
    return millis == NO_WATERMARK ? Double.NaN : millis / 1000.0;
  }

  public double watermarkLagSeconds() {
    long wm = watermark;
    return wm == NO_WATERMARK ? Double.NaN : (clock.getAsLong() - wm) / 1000.0;
  }

  /** Removes this key group's meters; the entity stopped. Idempotent. */
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    held.decrementAndGet();
    meters.forEach(registry::remove);
  }
}
