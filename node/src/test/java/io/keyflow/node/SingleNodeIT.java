package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One real node over HTTP with the real bundled Cassandra. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SingleNodeIT {

  private static final long START = 1_767_225_600_000L;

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_single")
      .pipelines("it-pipelines-single.conf", """
            keyflow.pipelines.strict {
              key-field = "user"
              max-out-of-orderness = 0s
              window { type = tumbling, size = 10s }
              aggregations = [ { name = n, fn = count }, { name = amount, fn = sum, field = amount } ]
            }
            keyflow.pipelines.lateish {
              key-field = "user"
              late-output = late-clicks
              idle-timeout = 1s
              window { type = tumbling, size = 10s }
              aggregations = [ { name = n, fn = count }, { name = top, fn = max, field = amount } ]
            }
            keyflow.pipelines.admission {
              window { type = tumbling, size = 1h }
              aggregations = [ { name = n, fn = count } ]
            }
            keyflow.pipelines.wallclock {
              window { type = tumbling, size = 2s, time = processing }
              aggregations = [ { name = n, fn = count } ]
            }
            keyflow.pipelines.dedupe {
              window { type = tumbling, size = 1h }
              aggregations = [ { name = n, fn = count } ]
            }
            """)
      .overrides(Map.of("keyflow.http.max-body-size", "1m", "keyflow.http.max-in-flight-events", "1000"))
      .build();

  private final HttpJson http = new HttpJson();

  @Test
  void twentyThousandOutOfOrderEventsGiveTheResultsOfABruteForceModel() throws Exception {
    var model = new TumblingWindowModel(10_000, 2_000, 128);
    Random random = new Random(20_000);
    int requests = 40;
    int perRequest = 500;
    for (int r = 0; r < requests; r++) {
      List<TumblingWindowModel.Event> events = new ArrayList<>();
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < perRequest; i++) {
        long now = START + (long) (r * perRequest + i) * 40;
        long ts = now - random.nextInt(3_500); // beyond the 2 s bound now and then: some records are late
        int boundary = random.nextInt(10);
        if (boundary == 0) {
          ts = ts - Math.floorMod(ts, 10_000) - 1; // exactly end - 1 of a window
        } else if (boundary == 1) {
          ts = ts - Math.floorMod(ts, 10_000); // exactly end of the previous window
        }
        var e = new TumblingWindowModel.Event("user-" + random.nextInt(500), ts, random.nextInt(100));
        events.add(e);
        body.append("{\"user\":\"").append(e.key()).append("\",\"ts\":").append(e.ts())
            .append(",\"amount\":").append(e.amount()).append(",\"page\":\"/p").append(i % 7).append("\"}\n");
      }
      var response = http.postNdjson(nodes.url(1) + "/v1/pipelines/clicks/events", body.toString());
      assertThat(response.status()).as(response.body()).isEqualTo(200);
      assertThat(response.json().get("accepted").asInt()).isEqualTo(perRequest);
      model.apply(events);
    }
    assertThat(model.late).as("the data set must exercise late records").isPositive();

    var wm = http.post(nodes.url(1) + "/v1/pipelines/clicks/watermark", "application/json",
        ("{\"watermark\":" + (START + 10_000_000) + "}").getBytes(StandardCharsets.UTF_8));
    assertThat(wm.status()).as(wm.body()).isEqualTo(200);

    JsonNode expected = HttpJson.MAPPER.readTree(model.expectedResultsJson("n", "amount"));
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
        assertThat(http.get(nodes.url(1) + "/v1/pipelines/clicks/results").json()).isEqualTo(expected));

    String someKey = model.windows.firstKey();
    JsonNode oneKey = http.get(nodes.url(1) + "/v1/pipelines/clicks/results?key=" + someKey).json();
    assertThat(oneKey.size()).isEqualTo(model.windows.get(someKey).size());
    long firstStart = model.windows.get(someKey).firstKey();
    JsonNode ranged = http.get(nodes.url(1) + "/v1/pipelines/clicks/results?key=" + someKey
        + "&from=" + firstStart + "&to=" + (firstStart + 1)).json();
    assertThat(ranged.size()).isEqualTo(1);
    assertThat(ranged.get(0).get("window_start").asLong()).isEqualTo(firstStart);

    JsonNode state = http.get(nodes.url(1) + "/v1/pipelines/clicks/state/" + someKey).json();
    assertThat(state.get("key_group").asInt()).isEqualTo(model.keyGroupOf(someKey));
    assertThat(state.get("windows").size()).as("every window fired").isZero();
    assertThat(http.get(nodes.url(1) + "/v1/pipelines/clicks/results?key=nobody").json()).isEmpty();
  }

  /** One bad request: what is sent and what must come back. */
  private record BadCase(String name, String path, String contentType, byte[] body, boolean chunked,
                         int status, Integer line) {
    static BadCase ndjson(String name, String body, int status, Integer line) {
      return new BadCase(name, "strict", "application/x-ndjson", body.getBytes(StandardCharsets.UTF_8), false, status, line);
    }
  }

  @Test
  void badRequestsAreRejectedWholeAndChangeNothing() throws Exception {
    String base = nodes.url(1) + "/v1/pipelines/strict";
    var fire = http.postNdjson(base + "/events", """
        {"user":"ann","ts":1000,"amount":5}
        {"user":"bob","ts":2000,"amount":7}
        {"user":"ann","ts":9999,"amount":1}
        {"user":"ann","ts":10000,"amount":2}
        {"user":"bob","ts":12000,"amount":1}
        """);
    assertThat(fire.status()).as(fire.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(http.get(base + "/results").json()).hasSize(2));
    List<String> probes = List.of(base + "/results", base + "/results?key=ann", base + "/state/ann",
        base + "/state/bob", base + "/state/mixed", base + "/state/zed");
    List<String> before = new ArrayList<>();
    for (String probe : probes) {
      before.add(http.get(probe).body());
    }

    String valid = "{\"user\":\"mixed\",\"ts\":50000,\"amount\":1}";
    byte[] oversized = ("{\"user\":\"zed\",\"ts\":60000,\"amount\":1,\"pad\":\"" + "x".repeat(1_100_000) + "\"}\n")
        .getBytes(StandardCharsets.UTF_8);
    List<BadCase> cases = List.of(
        BadCase.ndjson("malformed JSON line", "{\"user\":\"zed\",\"ts\":1", 400, 1),
        BadCase.ndjson("key field missing (only 'key')", "{\"key\":\"zed\",\"ts\":60000,\"amount\":1}", 400, 1),
        BadCase.ndjson("time field missing", "{\"user\":\"zed\",\"amount\":1}", 400, 1),
        BadCase.ndjson("time field not a number", "{\"user\":\"zed\",\"ts\":\"soon\",\"amount\":1}", 400, 1),
        BadCase.ndjson("time field not an integer", "{\"user\":\"zed\",\"ts\":1.5,\"amount\":1}", 400, 1),
        BadCase.ndjson("aggregated field missing", "{\"user\":\"zed\",\"ts\":60000}", 400, 1),
        BadCase.ndjson("aggregated field not numeric", "{\"user\":\"zed\",\"ts\":60000,\"amount\":\"7\"}", 400, 1),
        BadCase.ndjson("key is an object", "{\"user\":{\"id\":1},\"ts\":60000,\"amount\":1}", 400, 1),
        BadCase.ndjson("line is not an object", "[1,2,3]", 400, 1),
        BadCase.ndjson("trailing garbage", "{\"user\":\"zed\",\"ts\":60000,\"amount\":1} x", 400, 1),
        BadCase.ndjson("valid line then a bad one", valid + "\n{\"user\":\"mixed\",\"ts\":\"x\",\"amount\":1}\n", 400, 2),
        BadCase.ndjson("valid lines then malformed third", valid + "\n" + valid + "\n{oops\n", 400, 3),
        BadCase.ndjson("empty body", "", 400, 1),
        BadCase.ndjson("only blank lines", "\n\n  \n", 400, 1),
        new BadCase("wrong content type", "strict", "text/plain", valid.getBytes(StandardCharsets.UTF_8), false, 415, null),
        new BadCase("no content type", "strict", null, valid.getBytes(StandardCharsets.UTF_8), false, 415, null),
        new BadCase("oversized body", "strict", "application/x-ndjson", oversized, false, 413, null),
        new BadCase("oversized chunked body", "strict", "application/x-ndjson", oversized, true, 413, null),
        new BadCase("unknown pipeline", "nope", "application/x-ndjson", valid.getBytes(StandardCharsets.UTF_8), false, 404, null),
        new BadCase("JSON body that is not an array", "strict", "application/json", valid.getBytes(StandardCharsets.UTF_8), false, 400, 1),
        new BadCase("JSON array with a bad third event", "strict", "application/json",
            ("[" + valid + "," + valid + ",{\"user\":\"mixed\"}]").getBytes(StandardCharsets.UTF_8), false, 400, 3));

    for (BadCase c : cases) {
      String url = nodes.url(1) + "/v1/pipelines/" + c.path() + "/events";
      HttpJson.Response response = c.chunked() ? postChunked(url, c.contentType(), c.body())
          : http.post(url, c.contentType(), c.body());
      assertThat(response.status()).as(c.name() + ": " + response.body()).isEqualTo(c.status());
      JsonNode error = response.json();
      assertThat(error.get("error").asText()).as(c.name()).isNotBlank();
      if (c.line() != null) {
        assertThat(error.get("line").asInt()).as(c.name() + ": " + response.body()).isEqualTo(c.line());
      }
      for (int i = 0; i < probes.size(); i++) {
        assertThat(http.get(probes.get(i)).body()).as(c.name() + " changed " + probes.get(i)).isEqualTo(before.get(i));
      }
    }

    var arrayOk = http.post(base + "/events", "application/json; charset=utf-8",
        "[{\"user\":\"ann\",\"ts\":30000,\"amount\":1},{\"user\":42,\"ts\":30001,\"amount\":2.5}]".getBytes(StandardCharsets.UTF_8));
    assertThat(arrayOk.status()).as(arrayOk.body()).isEqualTo(200);
    assertThat(arrayOk.json().get("accepted").asInt()).isEqualTo(2);
    assertThat(http.get(base + "/state/42").json().get("windows").get(0).get("values").get("amount").asDouble()).isEqualTo(2.5);
  }

  private static HttpJson.Response postChunked(String url, String contentType, byte[] body) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new HttpJson.Response(response.statusCode(), response.body());
    } catch (java.io.IOException e) {
      // The server may answer 413 and close before the whole body is sent.
      throw new AssertionError("chunked oversized request failed without a response: " + e, e);
    }
  }

  @Test
  void aRetryWithTheSameIdempotencyKeyAppliesOnceAndADifferentBodyIsRefused() throws Exception {
    String base = nodes.url(1) + "/v1/pipelines/dedupe";
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 300; i++) {
      body.append("{\"key\":\"k").append(i % 30).append("\",\"ts\":").append(1_000 + i).append("}\n");
    }
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    var first = postWithKey(base + "/events", "batch-1", bytes);
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    assertThat(first.json().get("accepted").asInt()).isEqualTo(300);
    var retry = postWithKey(base + "/events", "batch-1", bytes);
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.json().get("accepted").asInt()).isZero();
    assertThat(retry.json().get("duplicates").asInt()).isEqualTo(300);

    String stateBefore = http.get(base + "/state/k0").body();
    byte[] other = "{\"key\":\"k0\",\"ts\":5000}\n".getBytes(StandardCharsets.UTF_8);
    var reused = postWithKey(base + "/events", "batch-1", other);
    assertThat(reused.status()).as(reused.body()).isEqualTo(422);
    assertThat(http.get(base + "/state/k0").body()).isEqualTo(stateBefore);

    // A retry storm: 5 requests, each sent 8 times, all at once.
    var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
    try {
      List<java.util.concurrent.Future<HttpJson.Response>> sent = new ArrayList<>();
      for (int copy = 0; copy < 8; copy++) {
        for (int r = 0; r < 5; r++) {
          int request = r;
          sent.add(pool.submit(() -> postWithKey(base + "/events", "storm-" + request,
              ("{\"key\":\"k0\",\"ts\":" + (2_000 + request) + "}\n{\"key\":\"s" + request + "\",\"ts\":2000}\n")
                  .getBytes(StandardCharsets.UTF_8))));
        }
      }
      int accepted = 0;
      int duplicates = 0;
      for (var f : sent) {
        HttpJson.Response response = f.get();
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        accepted += response.json().get("accepted").asInt();
        duplicates += response.json().get("duplicates").asInt();
      }
      assertThat(accepted).isEqualTo(10);
      assertThat(duplicates).isEqualTo(70);
    } finally {
      pool.shutdownNow();
    }
    JsonNode window = http.get(base + "/state/k0").json().get("windows").get(0);
    assertThat(window.get("values").get("n").asLong()).isEqualTo(10 + 5);
  }

  private HttpJson.Response postWithKey(String url, String key, byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-ndjson")
        .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    return new HttpJson.Response(response.statusCode(), response.body());
  }

  @Test
  void lateRecordsAreReadableAsEventsAndIdleKeyGroupsCloseTheirWindows() throws Exception {
    String base = nodes.url(1) + "/v1/pipelines/lateish";
    var first = http.postNdjson(base + "/events", """
        {"user":"u1","ts":1000,"amount":3}
        {"user":"u1","ts":29000,"amount":4}
        """);
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    var late = http.postNdjson(base + "/events", "{\"user\":\"u1\",\"ts\":2000,\"amount\":9,\"page\":\"/x\"}\n");
    assertThat(late.status()).as(late.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(http.get(base + "/late").json()).isEqualTo(HttpJson.MAPPER.readTree(
            "[{\"user\":\"u1\",\"ts\":2000,\"amount\":9}]")));
    assertThat(http.get(base + "/late?key=nobody").json()).isEmpty();
    // No more input: after idle-timeout the key group's watermark moves with processing time and
    // closes [20000, 30000) although no record ever pushed the watermark past 29999.
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(http.get(base + "/results?key=u1").json()).isEqualTo(HttpJson.MAPPER.readTree("""
            [{"key":"u1","window_start":0,"window_end":10000,"values":{"n":1,"top":3}},
             {"key":"u1","window_start":20000,"window_end":30000,"values":{"n":1,"top":4}}]""")));
    assertThat(http.get(nodes.url(1) + "/v1/pipelines/clicks/late").status()).isEqualTo(404);
  }

  @Test
  void pastTheInFlightBoundRequestsGet503WithRetryAfterAndNothingOfThemIsApplied() throws Exception {
    String url = nodes.url(1) + "/v1/pipelines/admission/events";
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 900; i++) {
      body.append("{\"key\":\"a").append(i % 50).append("\",\"ts\":").append(i).append("}\n");
    }
    HttpClient client = HttpClient.newHttpClient();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int r = 0; r < 12; r++) {
      sent.add(client.sendAsync(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-ndjson")
          .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString()));
    }
    int ok = 0;
    int busy = 0;
    for (var f : sent) {
      HttpResponse<String> response = f.get();
      if (response.statusCode() == 200) {
        ok++;
      } else {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        busy++;
      }
    }
    assertThat(busy).as("12 concurrent requests of 900 events against a bound of 1000").isPositive();
    assertThat(ok).isPositive();
    long counted = 0;
    for (int k = 0; k < 50; k++) {
      for (JsonNode w : http.get(nodes.url(1) + "/v1/pipelines/admission/state/a" + k).json().get("windows")) {
        counted += w.get("values").get("n").asLong();
      }
    }
    assertThat(counted).isEqualTo(900L * ok);
  }

  @Test
  void processingTimeWindowsFireOnTheirOwnWithoutAWatermark() throws Exception {
    String base = nodes.url(1) + "/v1/pipelines/wallclock";
    var sent = http.postNdjson(base + "/events", """
        {"key":"p1","ts":1}
        {"key":"p1","ts":999999999}
        {"key":"p2","ts":5}
        """);
    assertThat(sent.status()).as(sent.body()).isEqualTo(200);
    // The 2 s window of the moment the batch was applied closes by itself (entity ticks every second).
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode results = http.get(base + "/results").json();
      assertThat(results).hasSize(2);
      assertThat(results.get(0).get("key").asText()).isEqualTo("p1");
      assertThat(results.get(0).get("values").get("n").asLong()).isEqualTo(2);
      assertThat(results.get(0).get("window_end").asLong() - results.get(0).get("window_start").asLong()).isEqualTo(2_000);
    });
  }
}
