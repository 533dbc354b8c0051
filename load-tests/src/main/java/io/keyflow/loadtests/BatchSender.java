package io.keyflow.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One batch of the {@link Loader} from send to a counted outcome: its Idempotency-Key, the resends
 * after a 503 or a transport error, the check of the ack, and the label of each failure. Apart from
 * the loader, which owns the schedule (closed or open loop), the progress lines and the report,
 * because what counts as acknowledged, and when to resend, is the part a reader checks against the
 * HTTP contract.
 */
final class BatchSender {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  // A refused connection fails in microseconds; without a pause a dead node becomes a busy loop
  // that reports millions of errors and starves the workers still talking to live nodes.
  private static final long TRANSPORT_ERROR_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  private static final long DEFAULT_RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final LoadOptions options;
  private final BatchSource generator;
  private final RunStats stats;
  private final List<URI> eventUris = new ArrayList<>();
  /** Idempotency keys are {@code <runId>-<batch>}: a new run never collides with an earlier one's keys. */
  private final String runId = "load-" + Long.toString(System.currentTimeMillis(), 36);
  private final HttpClient client;

  BatchSender(LoadOptions options, BatchSource generator, RunStats stats) {
    this.options = options;
    this.generator = generator;
    this.stats = stats;
    for (URI node : options.nodes()) {
      eventUris.add(URI.create(node + "/v1/pipelines/" + options.pipeline() + "/events"));
    }
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(options.timeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
  }

  /**
   * Sends batch {@code index} under its own Idempotency-Key, resending it (same key, same body) after
   * a 503 (once Retry-After has passed) or a transport error, up to {@code --max-retries} times: the
   * node applies each batch once however often it arrives. Latency runs from {@code intended} (the
   * scheduled send time in open loop) to the 200. Returns the earliest time this worker may go on.
   *
   * @param counted whether the outcome counts in the figures (false in the warm-up)
   * @param resendUntil no resend is due at or after this time (nanos)
   */
  long send(long index, long intended, boolean counted, long resendUntil) {
    String body = generator.batch(index);
    HttpRequest request = HttpRequest.newBuilder(eventUris.get((int) (index % eventUris.size())))
        .timeout(options.timeout())
        .header("Content-Type", "application/x-ndjson")
        .header("Idempotency-Key", runId + "-" + index)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    for (int attempt = 0; ; attempt++) {
      boolean last = attempt >= options.maxRetries();
      HttpResponse<String> response;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        long failed = System.nanoTime();
        if (last || failed >= resendUntil) {
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
        if (last || retryAt >= resendUntil) {
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

  /** Sleeps until {@code target}; false when {@code deadline} comes first or the thread is interrupted. */
  static boolean sleepUntil(long target, long deadline) {
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
