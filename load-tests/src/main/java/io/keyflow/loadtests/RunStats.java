package io.keyflow.loadtests;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters shared by all workers. Warm-up and measured requests go to separate {@link Phase}s so
 * the figures never mix them; a third, interval-only recorder feeds the per-second progress line.
 */
final class RunStats {

  /** What one phase (warm-up or measured) saw. Every method is safe to call from any thread. */
  static final class Phase {
    final LongAdder requests = new LongAdder();
    final LongAdder acked = new LongAdder();
    final LongAdder eventsAccepted = new LongAdder();
    final LongAdder eventsDuplicate = new LongAdder();
    final LongAdder status503 = new LongAdder();
    final Map<String, LongAdder> retried = new ConcurrentHashMap<>();
    final LongAccumulator lastCompletionNanos = new LongAccumulator(Math::max, Long.MIN_VALUE);
    // Auto-resizing, 3 significant digits, values in microseconds.
    final Recorder latencyMicros = new Recorder(3);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, String> firstErrorDetail = new ConcurrentHashMap<>();

    void error(String label, String detail) {
      errors.computeIfAbsent(label, l -> new LongAdder()).increment();
      if (detail != null) {
        firstErrorDetail.putIfAbsent(label, detail.length() > 200 ? detail.substring(0, 200) + "..." : detail);
      }
    }

    long retriedCount() {
      return retried.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long errorCount() {
      return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Error label (for example {@code http_400}, {@code timeout}) to count, sorted by label. */
    Map<String, Long> errorsByLabel() {
      Map<String, Long> out = new TreeMap<>();
      errors.forEach((label, count) -> out.put(label, count.sum()));
      return out;
    }

    /** Error label to the first response body or exception message seen for it. */
    Map<String, String> errorDetails() {
      return new TreeMap<>(firstErrorDetail);
    }

    long eventsAcked() {
      return eventsAccepted.sum() + eventsDuplicate.sum();
    }

    /** All latencies recorded so far; call once, at the end. */
    Histogram latencyHistogram() {
      return latencyMicros.getIntervalHistogram();
    }
  }

  final Phase warmup = new Phase();
  final Phase measured = new Phase();
  final LongAdder intervalEvents = new LongAdder();
  final Recorder intervalLatencyMicros = new Recorder(3);

  Phase phase(boolean counted) {
    return counted ? measured : warmup;
  }

  /** A 200 carrying a well-formed ack for the whole batch. */
  void acked(boolean counted, long micros, int accepted, int duplicates, long completedNanos) {
    Phase p = phase(counted);
    p.requests.increment();
    p.acked.increment();
    p.eventsAccepted.add(accepted);
    p.eventsDuplicate.add(duplicates);
    p.latencyMicros.recordValue(micros);
    p.lastCompletionNanos.accumulate(completedNanos);
    intervalEvents.add((long) accepted + duplicates);
    intervalLatencyMicros.recordValue(micros);
  }

  /** A 503 answer (the batch is resent or given up: that is counted separately). */
  void overloaded(boolean counted) {
    phase(counted).status503.increment();
  }

  /** An attempt that failed and will be resent: not an error unless the resends run out. */
  void retried(boolean counted, String label) {
    phase(counted).retried.computeIfAbsent(label, l -> new LongAdder()).increment();
  }

  void failed(boolean counted, String label, String detail, long completedNanos) {
    Phase p = phase(counted);
    p.requests.increment();
    p.error(label, detail);
    p.lastCompletionNanos.accumulate(completedNanos);
  }

  long totalErrors() {
    return warmup.errorCount() + measured.errorCount();
  }

  long totalRetried() {
    return warmup.retriedCount() + measured.retriedCount();
  }

  long total503() {
    return warmup.status503.sum() + measured.status503.sum();
  }
}
