package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.datastax.oss.driver.api.core.CqlSession;
import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consuming results from a real node: the live stream resumed after a disconnect, paged queries,
 * and the retention (TTL) on every written row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResultsStreamIT {

  private static final long START = 1_767_225_600_000L;

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_stream")
      .pipelines("it-pipelines-stream.conf", """
        keyflow.pipelines.live {
          max-out-of-orderness = 0s
          window { type = tumbling, size = 1s }
          aggregations = [ { name = n, fn = count }, { name = total, fn = sum, field = amount } ]
        }
        keyflow.pipelines.paged {
          max-out-of-orderness = 0s
          window { type = tumbling, size = 1s }
          aggregations = [ { name = n, fn = count } ]
        }
        keyflow.pipelines.onegroup = ${keyflow.pipelines.paged}
        keyflow.pipelines.retained = ${keyflow.pipelines.paged}
        """)
      .overrides(Map.of("keyflow.results.retention", "1h", "keyflow.results.stream.poll-interval", "250ms"))
      .build();

  private final HttpJson http = new HttpJson();

  /** Events of {@code keys} keys in windows [firstWindow, firstWindow + windows), then a watermark that fires them. */
  private void pushAndFire(String pipeline, int keys, int firstWindow, int windows) throws Exception {
    StringBuilder body = new StringBuilder();
    for (int w = firstWindow; w < firstWindow + windows; w++) {
      for (int k = 0; k < keys; k++) {
        for (int i = 0; i <= k % 3; i++) {
          body.append("{\"key\":\"k").append(k).append("\",\"ts\":").append(START + w * 1000L + 10 * i)
              .append(",\"amount\":").append(k + w + i).append("}\n");
        }
      }
    }
    var ingest = http.postNdjson(nodes.url(1) + "/v1/pipelines/" + pipeline + "/events", body.toString());
    assertThat(ingest.status()).as(ingest.body()).isEqualTo(200);
    var wm = http.post(nodes.url(1) + "/v1/pipelines/" + pipeline + "/watermark", "application/json",
        ("{\"watermark\":" + (START + (firstWindow + windows) * 1000L) + "}").getBytes(StandardCharsets.UTF_8));
    assertThat(wm.status()).as(wm.body()).isEqualTo(200);
  }

  private Map<String, JsonNode> byWindow(JsonNode results) {
    Map<String, JsonNode> map = new HashMap<>();
    results.forEach(r -> map.put(r.get("key").asText() + "@" + r.get("window_start").asLong(), r.get("values")));
    return map;
  }

  @Test
  void aStreamResumedFromTheLastEventIdMissesAndRepeatsNothing() throws Exception {
    String stream = nodes.url(1) + "/v1/pipelines/live/results/stream";
    pushAndFire("live", 20, 0, 5); // 100 windows fired before the stream opens
    List<SseClient.Event> first = new ArrayList<>();
    try (SseClient sse = new SseClient(stream, null)) {
      assertThat(sse.status()).isEqualTo(200);
      assertThat(sse.contentType()).startsWith("text/event-stream");
      for (int i = 0; i < 60; i++) {
        SseClient.Event e = sse.next(Duration.ofSeconds(10));
        assertThat(e).as("event %d of the first connection", i).isNotNull();
        first.add(e);
      }
    } // disconnected mid-stream: 40 fired results not read yet
    pushAndFire("live", 20, 5, 5); // 100 more while disconnected

    String lastId = first.get(first.size() - 1).id();
    List<SseClient.Event> second = new ArrayList<>();
    try (SseClient sse = new SseClient(stream, lastId)) {
      assertThat(sse.status()).isEqualTo(200);
      for (int i = 0; i < 140; i++) {
        SseClient.Event e = sse.next(Duration.ofSeconds(10));
        assertThat(e).as("event %d after the reconnect", i).isNotNull();
        second.add(e);
      }
      long opened = System.nanoTime();
      pushAndFire("live", 20, 10, 1); // 20 fired while the stream is open arrive live
      for (int i = 0; i < 20; i++) {
        SseClient.Event e = sse.next(Duration.ofSeconds(5));
        assertThat(e).as("live event %d", i).isNotNull();
        second.add(e);
      }
      assertThat((System.nanoTime() - opened) / 1_000_000).as("ms until the live results arrived").isLessThan(5_000);
      second.addAll(sse.untilQuiet(Duration.ofSeconds(2)));
    }

    List<SseClient.Event> union = new ArrayList<>(first);
    union.addAll(second);
    Set<String> seqs = new HashSet<>();
    Map<String, JsonNode> streamed = new HashMap<>();
    for (SseClient.Event e : union) {
      assertThat(e.type()).isEqualTo("result");
      JsonNode r = e.json();
      assertThat(seqs.add(r.get("key_group").asInt() + "/" + r.get("output_seq").asLong()))
          .as("delivered once: %s", e.data()).isTrue();
      assertThat(streamed.put(r.get("key").asText() + "@" + r.get("window_start").asLong(), r.get("values")))
          .as("one firing per window here: %s", e.data()).isNull();
    }
    assertThat(union).hasSize(220);
    // In output order within each key group.
    Map<Integer, Long> lastSeq = new HashMap<>();
    for (SseClient.Event e : union) {
      int kg = e.json().get("key_group").asInt();
      long seq = e.json().get("output_seq").asLong();
      assertThat(seq).isGreaterThan(lastSeq.getOrDefault(kg, 0L));
      lastSeq.put(kg, seq);
    }
    JsonNode stored = http.get(nodes.url(1) + "/v1/pipelines/live/results").json();
    assertThat(streamed).isEqualTo(byWindow(stored));
  }

  @Test
  void withOneKeyGroupTheEventIdIsTheOutputSequenceNumber() throws Exception {
    pushAndFire("onegroup", 30, 0, 3);
    JsonNode oneKey = http.get(nodes.url(1) + "/v1/pipelines/onegroup/state/k7").json();
    int kg = oneKey.get("key_group").asInt();
    String url = nodes.url(1) + "/v1/pipelines/onegroup/results/stream?key_group=" + kg;
    List<SseClient.Event> all;
    try (SseClient sse = new SseClient(url, null)) {
      all = List.of(sse.next(Duration.ofSeconds(10)));
      all = new ArrayList<>(all);
      all.addAll(sse.untilQuiet(Duration.ofSeconds(2)));
    }
    assertThat(all).isNotEmpty().allSatisfy(e -> {
      assertThat(e.id()).isEqualTo(e.json().get("output_seq").asText());
      assertThat(e.json().get("key_group").asInt()).isEqualTo(kg);
    });
    String firstId = all.get(0).id();
    try (SseClient sse = new SseClient(url, firstId)) {
      List<SseClient.Event> rest = new ArrayList<>();
      if (all.size() > 1) {
        rest.add(sse.next(Duration.ofSeconds(10)));
      }
      rest.addAll(sse.untilQuiet(Duration.ofSeconds(2)));
      assertThat(rest).map(SseClient.Event::id).containsExactlyElementsOf(all.subList(1, all.size()).stream()
          .map(SseClient.Event::id).toList());
    }
  }

  @Test
  void aMalformedLastEventIdIsA400AndABadKeyGroupToo() throws Exception {
    String stream = nodes.url(1) + "/v1/pipelines/live/results/stream";
    try (SseClient sse = new SseClient(stream, "c1.!!notbase64")) {
      assertThat(sse.status()).isEqualTo(400);
      assertThat(HttpJson.MAPPER.readTree(sse.errorBody()).get("error").asText()).contains("Last-Event-ID");
    }
    assertThat(http.get(stream + "?key_group=1&last_event_id=abc").status()).isEqualTo(400);
    assertThat(http.get(stream + "?key_group=128").status()).isEqualTo(400);
    assertThat(http.get(stream + "?stage=nope").status()).isEqualTo(404);
  }

  @Test
  void pagingWithLimitSevenGivesTheUnpagedAnswerWithoutDuplicates() throws Exception {
    pushAndFire("paged", 30, 0, 5);
    String base = nodes.url(1) + "/v1/pipelines/paged/results";
    JsonNode unpaged = await().atMost(Duration.ofSeconds(10)).until(() -> http.get(base).json(), r -> r.size() == 150);
    HttpClient client = HttpClient.newHttpClient();
    List<JsonNode> paged = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      String url = base + "?limit=7" + (after == null ? "" : "&after=" + HttpJson.encode(after));
      HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      JsonNode array = HttpJson.MAPPER.readTree(page.body());
      assertThat(array.isArray()).isTrue();
      assertThat(array.size()).isBetween(1, 7);
      array.forEach(paged::add);
      after = page.headers().firstValue("Keyflow-Continuation").orElse(null);
      if (after != null) {
        assertThat(page.headers().firstValue("Link").orElseThrow()).contains("after=").contains("rel=\"next\"");
      }
      pages++;
    } while (after != null);
    assertThat(pages).isEqualTo(22);
    assertThat(paged).doesNotHaveDuplicates().hasSize(unpaged.size());
    assertThat(byWindow(HttpJson.MAPPER.valueToTree(paged))).isEqualTo(byWindow(unpaged));
    assertThat(pagedUnion(client, base + "?key=k3&limit=2")).containsExactlyElementsOf(
        http.get(base + "?key=k3").json()::elements);
    String window = "&from=" + (START + 1000) + "&to=" + (START + 3000);
    assertThat(byWindow(HttpJson.MAPPER.valueToTree(pagedUnion(client, base + "?limit=7" + window))))
        .isEqualTo(byWindow(http.get(base + "?from=" + (START + 1000) + "&to=" + (START + 3000)).json()))
        .hasSize(60);
    assertThat(http.get(base + "?limit=0").status()).isEqualTo(400);
    assertThat(http.get(base + "?limit=7&after=garbage!").status()).isEqualTo(400);
  }

  /** Every page of a paged query, following Keyflow-Continuation. */
  private List<JsonNode> pagedUnion(HttpClient client, String firstUrl) throws Exception {
    List<JsonNode> all = new ArrayList<>();
    String after = null;
    do {
      String url = firstUrl + (after == null ? "" : "&after=" + HttpJson.encode(after));
      HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
      HttpJson.MAPPER.readTree(page.body()).forEach(all::add);
      after = page.headers().firstValue("Keyflow-Continuation").orElse(null);
    } while (after != null);
    return all;
  }

  @Test
  void everyResultRowExpiresAfterTheConfiguredRetention() throws Exception {
    pushAndFire("retained", 5, 0, 2);
    String stage = null;
    for (JsonNode p : http.get(nodes.url(1) + "/v1/pipelines").json()) {
      if (p.get("name").asText().equals("retained")) {
        stage = p.get("stages").get(0).asText();
      }
    }
    String retainedStage = stage;
    try (CqlSession session = CassandraSchema.connect(TestCassandra.HOST, TestCassandra.NATIVE_PORT, "datacenter1")) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        // 10 results; their firings in at least one results_windows row (one per window start and
        // delivery) and one results_batches row (one per delivery).
        Map<String, Integer> minimumRows = Map.of("results_windows", 1, "results_batches", 1);
        for (String table : minimumRows.keySet()) {
          String column = "firings";
          List<Integer> ttls = new ArrayList<>();
          for (int kg = 0; kg < 128; kg++) {
            session.execute("SELECT TTL(" + column + ") FROM " + nodes.keyspace() + "." + table
                + " WHERE pipeline = 'retained' AND stage = ? AND key_group = ?", retainedStage, kg)
                .forEach(row -> ttls.add(row.getInt(0)));
          }
          assertThat(ttls).as(table).hasSizeGreaterThanOrEqualTo(minimumRows.get(table))
              .allSatisfy(ttl -> assertThat(ttl).isBetween(3_000, 3_600));
        }
      });
    }
  }
}
