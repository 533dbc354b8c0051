package io.keyflow.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** A small blocking HTTP client for the integration tests. */
public final class HttpJson {

  public static final ObjectMapper MAPPER = new ObjectMapper();

  record Response(int status, String body) {
    JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("not JSON (" + status + "): " + body, e);
      }
    }
  }

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  Response post(String url, String contentType, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.body());
  }

  /** POSTs an NDJSON body with {@code Idempotency-Key: idempotencyKey}. */
  Response postNdjson(String url, String body, String idempotencyKey) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/x-ndjson").header("Idempotency-Key", idempotencyKey)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.body());
  }

  Response postNdjson(String url, String body) throws IOException, InterruptedException {
    return post(url, "application/x-ndjson", body.getBytes(StandardCharsets.UTF_8));
  }

  Response get(String url) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
    return new Response(response.statusCode(), response.body());
  }

  /**
   * GETs {@code url} until it answers other than 503 (a key group moving or recovering, "retry"), for at
   * most {@code patience}; returns that answer, or the last 503 when patience ran out.
   */
  Response getRetrying503(String url, Duration patience) {
    AtomicReference<Response> last = new AtomicReference<>();
    try {
      Awaitility.await().atMost(patience).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
          .until(() -> {
            last.set(get(url));
            return last.get().status() != 503;
          });
    } catch (ConditionTimeoutException e) {
      if (last.get() == null) {
        throw e;
      }
    }
    return last.get();
  }

  static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
