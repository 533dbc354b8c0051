package io.keyflow.loadtests;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The final figures of a run, from the measured phase only. The window runs from the end of the
 * warm-up to the completion of the last measured request, so in-flight stragglers at the deadline
 * are paid for in the rate rather than silently dropped.
 */
record LatencyReport(
    LoadOptions options,
    long requests,
    long acked,
    long eventsAccepted,
    long eventsDuplicate,
    double durationSeconds,
    Histogram latencyMicros,
    long errors,
    long status503,
    long resends,
    Map<String, Long> errorsByLabel,
    Map<String, String> errorDetails,
    long warmupRequests,
    long warmupErrors,
    long warmup503) {

  static LatencyReport of(LoadOptions options, RunStats stats, long measureStartNanos) {
    RunStats.Phase m = stats.measured;
    long last = m.lastCompletionNanos.get();
    double seconds = last == Long.MIN_VALUE ? 0 : Math.max(0, last - measureStartNanos) / 1e9;
    return new LatencyReport(options, m.requests.sum(), m.acked.sum(), m.eventsAccepted.sum(),
        m.eventsDuplicate.sum(), seconds, m.latencyHistogram(), m.errorCount(), m.status503.sum(),
        m.retriedCount(), m.errorsByLabel(), m.errorDetails(), stats.warmup.requests.sum(), stats.warmup.errorCount(),
        stats.warmup.status503.sum());
  }

  long eventsAcked() {
    return eventsAccepted + eventsDuplicate;
  }

  double eventsPerSecond() {
    return durationSeconds > 0 ? eventsAcked() / durationSeconds : 0;
  }

  /** Milliseconds at a percentile; NaN when nothing was acked, so an empty run cannot look fast. */
  double percentileMs(double percentile) {
    return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  double maxMs() {
    return latencyMicros.getTotalCount() == 0 ? Double.NaN : latencyMicros.getMaxValue() / 1000.0;
  }

  /** The one line scripts parse; field names and order are a contract. */
  String resultLine() {
    return String.format(Locale.ROOT,
        "RESULT batch=%d requests=%d events_acked=%d duration_s=%.3f events_per_s=%.1f p50_ms=%.3f p95_ms=%.3f "
            + "p99_ms=%.3f p999_ms=%.3f max_ms=%.3f errors=%d status_503=%d",
        options.batch(), requests, eventsAcked(), durationSeconds, eventsPerSecond(), percentileMs(50),
        percentileMs(95), percentileMs(99), percentileMs(99.9), maxMs(), errors, status503);
  }

  String table() {
    StringBuilder t = new StringBuilder();
    line(t, "target", options.nodes().size() + " node(s), pipeline " + options.pipeline() + ", batch "
        + options.batch() + ", concurrency " + options.concurrency() + ", keys " + options.keys()
        + ", seed " + options.seed());
    line(t, "window", fmt("%.3f s measured, after %d ms warm-up (excluded)", durationSeconds,
        options.warmup().toMillis()));
    line(t, "requests", fmt("%d  (acked: %d, errors: %d)", requests, acked, errors));
    line(t, "resends", fmt("%d  (same Idempotency-Key; 503 answers: %d)", resends, status503));
    line(t, "events acked", fmt("%d  (accepted %d, duplicates %d)", eventsAcked(), eventsAccepted, eventsDuplicate));
    line(t, "throughput", fmt("%.1f events/s  (%.1f acked requests/s)", eventsPerSecond(),
        durationSeconds > 0 ? acked / durationSeconds : 0));
    line(t, "ack latency", fmt("p50 %.3f  p95 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms  (n=%d)",
        percentileMs(50), percentileMs(95), percentileMs(99), percentileMs(99.9), maxMs(),
        latencyMicros.getTotalCount()));
    if (!errorsByLabel.isEmpty()) {
      line(t, "errors", errorsByLabel.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
          .collect(Collectors.joining(" ")));
      errorDetails.forEach((label, detail) -> line(t, "  " + label, detail));
    }
    line(t, "warm-up", fmt("%d requests, 503: %d, errors: %d  (not in the figures above)",
        warmupRequests, warmup503, warmupErrors));
    if (options.rate() > 0) {
      t.append("Open loop: ").append(options.rate()).append(" events/s offered in requests of ").append(options.batch())
          .append(" events on a fixed schedule; latency runs from each request's scheduled time to its 200,\n")
          .append("so waiting for a free connection (at most ").append(options.concurrency())
          .append(" in flight) and resends count (no coordinated omission).\n");
    } else {
      t.append("Latency is from send to the complete 200 response (resends included), per request of ")
          .append(options.batch()).append(" events. The loop is closed (").append(options.concurrency())
          .append(" in flight), so a slow server lowers the offered load rather than queueing it:\n")
          .append("percentiles do not include the waiting an open-loop client would see (use --rate).\n");
    }
    if (acked == 0) {
      t.append("WARNING: no request was acked in the measured window; the figures above mean nothing.\n");
    }
    return t.toString();
  }

  private static void line(StringBuilder t, String label, String value) {
    t.append(String.format(Locale.ROOT, "%-14s %s%n", label, value));
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
