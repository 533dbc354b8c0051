package io.keyflow.loadtests;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * HTTP load generator for {@code POST /v1/pipelines/{pipeline}/events}. Closed loop: each of
 * {@code --concurrency} workers sends one NDJSON batch, waits for the answer, and sends the next.
 * Open loop ({@code --rate}): batches are due on a fixed schedule and latency counts from the due
 * time. Every batch carries an Idempotency-Key and is resent after a 503 or a transport error (see
 * {@link BatchSender}). Only the public HTTP API is used, so it measures what a client would see.
 */
public final class Loader {

  private final LoadOptions options;
  private final PrintStream out;
  private final RunStats stats = new RunStats();
  private final AtomicLong nextRequest = new AtomicLong();
  private final long intervalNanos;
  private final List<LoadTimeline.Second> timeline = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final BatchSender sender;
  private long startNanos;
  private long measureStartNanos;
  private long deadlineNanos;
  private long lastTickNanos;

  public Loader(LoadOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.sender = new BatchSender(options, BatchSource.from(options), stats);
    this.intervalNanos = options.rate() > 0 ? Math.max(1, Math.round(1e9 * options.batch() / options.rate())) : 0;
  }

  public static void main(String[] args) throws InterruptedException {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.println(LoadOptions.USAGE);
      return;
    }
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println("run with --help for the flags");
      System.exit(2);
      return;
    }
    System.exit(new Loader(options, System.out).run());
  }

  /** Runs to the bound and prints the summary; 0 when every answer was a 200 or a 503, else 1. */
  public int run() throws InterruptedException {
    out.printf(Locale.ROOT, "load: %s -> pipeline %s%s, batch %d, %s, concurrency %d, bound %s%s, warm-up %d ms%n",
        options.nodes(), options.pipeline(),
        options.workload().equals(LoadOptions.NEXMARK) ? " (nexmark " + options.query() + ")" : "",
        options.batch(), options.rate() > 0 ? "open loop at " + options.rate() + " events/s" : "closed loop",
        options.concurrency(),
        options.duration().map(d -> d.toMillis() + " ms").orElse("-"),
        options.requests().isPresent() ? " / " + options.requests().getAsLong() + " requests" : "",
        options.warmup().toMillis());
    startNanos = System.nanoTime();
    lastTickNanos = startNanos;
    measureStartNanos = startNanos + options.warmup().toNanos();
    deadlineNanos = options.duration().map(d -> startNanos + d.toNanos()).orElse(Long.MAX_VALUE);

    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loader-progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(this::progress, 1, 1, TimeUnit.SECONDS);
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < options.concurrency(); i++) {
      Thread worker = new Thread(this::work, "loader-worker-" + i);
      workers.add(worker);
      worker.start();
    }
    for (Thread worker : workers) {
      worker.join();
    }
    ticker.shutdownNow();
    ticker.awaitTermination(5, TimeUnit.SECONDS);

    LatencyReport report = LatencyReport.of(options, stats, measureStartNanos);
    out.println();
    out.print(report.table());
    out.println(report.resultLine());
    if (options.report().isPresent()) {
      try {
        LoadTimeline.writeHtml(options.report().get(), report, timeline);
        out.println("report: " + options.report().get().toAbsolutePath());
      } catch (IOException e) {
        out.println("report: could not write " + options.report().get() + ": " + e);
      }
    }
    out.flush();
    return stats.totalErrors() == 0 ? 0 : 1;
  }

  /** The run second by second so far (warm-up included), as the progress lines and the report show it. */
  public List<LoadTimeline.Second> seconds() {
    return List.copyOf(timeline);
  }

  private void work() {
    long resumeAt = Long.MIN_VALUE;
    while (!Thread.currentThread().isInterrupted()) {
      long index = nextRequest.getAndIncrement();
      if (options.requests().isPresent() && index >= options.requests().getAsLong()) {
        return;
      }
      // Open loop: batch i is due at start + i x interval whatever happened to the others; a worker
      // that is late sends at once, and the wait counts in the latency (no coordinated omission).
      long intended = intervalNanos > 0 ? startNanos + index * intervalNanos : Long.MIN_VALUE;
      if (!BatchSender.sleepUntil(Math.max(resumeAt, intended), deadlineNanos) || System.nanoTime() >= deadlineNanos) {
        return;
      }
      long sendAt = intervalNanos > 0 ? intended : System.nanoTime();
      resumeAt = sender.send(index, sendAt, sendAt >= measureStartNanos, resendUntil());
    }
  }

  /** Resends stop one request timeout after the end of the run (none for a run bounded by count). */
  private long resendUntil() {
    return deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos + options.timeout().toNanos();
  }

  private void progress() {
    try {
      long now = System.nanoTime();
      double seconds = Math.max(1e-9, (now - lastTickNanos) / 1e9);
      lastTickNanos = now;
      long events = stats.intervalEvents.sumThenReset();
      Histogram latency = stats.intervalLatencyMicros.getIntervalHistogram();
      String p99 = latency.getTotalCount() == 0 ? "-"
          : String.format(Locale.ROOT, "%.1fms", latency.getValueAtPercentile(99) / 1000.0);
      long t = Math.round((now - startNanos) / 1e9);
      out.printf(Locale.ROOT, "t=%ds rate=%d ev/s p99=%s errors=%d 503s=%d retried=%d%s%n",
          t, Math.round(events / seconds), p99, stats.totalErrors(), stats.total503(), stats.totalRetried(),
          now < measureStartNanos ? " (warm-up)" : "");
      timeline.add(LoadTimeline.Second.of(t, events / seconds, latency, stats.totalErrors(), stats.total503()));
    } catch (RuntimeException e) {
      // A throwing task would silently cancel every later tick.
      System.err.println("progress line failed: " + e);
    }
  }
}
