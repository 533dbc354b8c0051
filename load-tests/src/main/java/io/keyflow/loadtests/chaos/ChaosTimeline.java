package io.keyflow.loadtests.chaos;

import io.keyflow.loadtests.LoadTimeline;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * A chaos run second by second, as the load clients saw it (acknowledged events/s, ack latency of
 * the requests acknowledged in that second, retries included), with each change of phase (a fault,
 * the heal, the settling) as a mark on the time axis; written next to the run's logs as
 * {@code report.html}. Fed from the runner's loop only.
 */
final class ChaosTimeline {

  private final long startNanos;
  private final List<LoadTimeline.Second> seconds = new ArrayList<>();
  private final List<LoadTimeline.Mark> marks = new ArrayList<>();
  private String phase;
  private long lastTickNanos;
  private long lastAcked;

  ChaosTimeline(long startNanos) {
    this.startNanos = startNanos;
    this.lastTickNanos = startNanos;
  }

  /** The phase now: a change is marked at this moment. */
  void phase(long nowNanos, String now) {
    if (!now.equals(phase)) {
      if (phase != null) {
        marks.add(new LoadTimeline.Mark(seconds(nowNanos), now));
      }
      phase = now;
    }
  }

  /** Whether a second has passed since the last tick. */
  boolean due(long nowNanos) {
    return nowNanos - lastTickNanos >= 1_000_000_000L;
  }

  /** One point: events acknowledged since the last tick, and the latencies (µs) of their requests. */
  void tick(long nowNanos, long acked, Histogram latencyMicros, long failedAttempts) {
    double elapsed = (nowNanos - lastTickNanos) / 1e9;
    seconds.add(LoadTimeline.Second.of(Math.round(seconds(nowNanos)), (acked - lastAcked) / elapsed, latencyMicros,
        failedAttempts, 0));
    lastTickNanos = nowNanos;
    lastAcked = acked;
  }

  List<LoadTimeline.Second> seconds() {
    return List.copyOf(seconds);
  }

  List<LoadTimeline.Mark> marks() {
    return List.copyOf(marks);
  }

  void write(Path file, String scenario, String line) throws IOException {
    LoadTimeline.writeHtml(file, "Keyflow chaos: " + scenario, line, seconds, marks,
        "One point per second, as the load clients saw it (latency from a request's first send to its"
            + " acknowledgement, retries included); the errors are failed attempts");
  }

  private double seconds(long nanos) {
    return (nanos - startNanos) / 1e9;
  }
}
