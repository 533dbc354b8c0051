package io.keyflow.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * HTTP load generator for {@code POST /v1/pipelines/{pipeline}/events}. Closed loop: each of
 * {@code --concurrency} workers sends one NDJSON batch, waits for the answer, and sends the next.
 * Open loop ({@code --rate}): batches are due on a fixed schedule and latency counts from the due
 * time. Every batch carries an Idempotency-Key and is resent after a 503 or a transport error.
 * Only the public HTTP API is used, so it measures what a client would see.
 */
public final class Loader {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  // A refused connection fails in microseconds; without a pause a dead node becomes a busy loop
  // that reports millions of errors and starves the workers still talking to live nodes.
  private static final long TRANSPORT_ERROR_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long DEFAULT_RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final LoadOptions options;
  private final PrintStream out;
  private final BatchSource generator;
  private final List<URI> eventUris = new ArrayList<>();
  private final RunStats stats = new RunStats();
  private final AtomicLong nextRequest = new AtomicLong();
  /** Idempotency keys are {@code <runId>-<batch>}: a new run never collides with an earlier one's keys. */
  private final String runId = "load-" + Long.toString(System.currentTimeMillis(), 36);
  private final long intervalNanos;
  private final List<LoadTimeline.Second> timeline = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final HttpClient client;
  private long startNanos;
  private long measureStartNanos;
  private long deadlineNanos;
  private long lastTickNanos;

  public Loader(LoadOptions options, PrintStream out) {
    this.options = options;
    this.out = out;
    this.generator = BatchSource.from(options);
    this.intervalNanos = options.rate() > 0 ? Math.max(1, Math.round(1e9 * options.batch() / options.rate())) : 0;
    for (URI node : options.nodes()) {
      eventUris.add(URI.create(node + "/v1/pipelines/" + options.pipeline() + "/events"));
    }
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(options.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
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
      if (!sleepUntil(Math.max(resumeAt, intended), deadlineNanos) || System.nanoTime() >= deadlineNanos) {
        return;
      }
      resumeAt = send(index, intervalNanos > 0 ? intended : System.nanoTime());
    }
  }

  /**
   * Sends batch {@code index} under its own Idempotency-Key, resending it (same key, same body) after
   * a 503 (once Retry-After has passed) or a transport error, up to {@code --max-retries} times: the
   * node applies each batch once however often it arrives. Latency runs from {@code intended} (the
   * scheduled send time in open loop) to the 200. Returns the earliest time this worker may go on.
   */
  private long send(long index, long intended) {
    String body = generator.batch(index);
    HttpRequest request = HttpRequest.newBuilder(eventUris.get((int) (index % eventUris.size())))
        .timeout(options.timeout())
        .header("Content-Type", "application/x-ndjson")
        .header("Idempotency-Key", runId + "-" + index)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    boolean counted = intended >= measureStartNanos;
    for (int attempt = 0; ; attempt++) {
      boolean last = attempt >= options.maxRetries();
      HttpResponse<String> response;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        long failed = System.nanoTime();
        if (last || failed >= resendUntil()) {
          stats.failed(counted, transportLabel(e), e.toString(), failed);
          return failed + TRANSPORT_ERROR_PAUSE_NANOS;
        }
        stats.retried(counted, transportLabel(e));
        if (!sleepUntil(failed + TRANSPORT_ERROR_PAUSE_NANOS, Long.MAX_VALUE)) {
          return Long.MIN_VALUE;
        }
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Long.MIN_VALUE;
      }
      long done = System.nanoTime();
      int status = response.statusCode();
      if (status == 503) {
        stats.overloaded(counted);
        long retryAt = done + retryAfterNanos(response.headers().firstValue("Retry-After"));
        if (last || retryAt >= resendUntil()) {
          stats.failed(counted, "http_503_gave_up", "still 503 after " + attempt + " resends", done);
          return retryAt;
        }
        stats.retried(counted, "http_503");
        if (!sleepUntil(retryAt, Long.MAX_VALUE)) {
          return Long.MIN_VALUE;
        }
        continue;
      }
      if (status != 200) {
        stats.failed(counted, "http_" + status, response.body(), done);
        return Long.MIN_VALUE;
      }
      // Counting a 200 as acked on faith would hide a server that acks fewer events than it got.
      JsonNode ack = parse(response.body());
      JsonNode accepted = ack == null ? null : ack.get("accepted");
      JsonNode duplicates = ack == null ? null : ack.get("duplicates");
      if (accepted == null || !accepted.isInt() || duplicates == null || !duplicates.isInt()
          || accepted.intValue() + duplicates.intValue() != generator.batchSize()) {
        stats.failed(counted, "bad_ack", response.body(), done);
        return Long.MIN_VALUE;
      }
      stats.acked(counted, (done - intended) / 1_000, accepted.intValue(), duplicates.intValue(), done);
      return Long.MIN_VALUE;
    }
  }

  /** Resends stop one request timeout after the end of the run (none for a run bounded by count). */
  private long resendUntil() {
    return deadlineNanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadlineNanos + options.timeout().toNanos();
  }

  /** Sleeps until {@code target}; false when {@code deadline} comes first or the thread is interrupted. */
  private static boolean sleepUntil(long target, long deadline) {
    long now;
    while ((now = System.nanoTime()) < target) {
      if (now >= deadline) {
        return false;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(target, deadline) - now);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
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

  private static JsonNode parse(String body) {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }

  static String transportLabel(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connect_timeout";
    }
    if (e instanceof HttpTimeoutException) {
      return "timeout";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        return "connect_error";
      }
    }
    return "io_error";
  }

  /** Retry-After is delta-seconds or an HTTP date; anything unreadable means the default second. */
  static long retryAfterNanos(Optional<String> header) {
    if (header.isEmpty()) {
      return DEFAULT_RETRY_AFTER_NANOS;
    }
    String value = header.get().trim();
    try {
      return TimeUnit.SECONDS.toNanos(Math.max(0, Long.parseLong(value)));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toNanos());
      } catch (DateTimeParseException | ArithmeticException notDate) {
        return DEFAULT_RETRY_AFTER_NANOS;
      }
    }
  }
}
