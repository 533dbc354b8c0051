package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Java pipelines deployed with {@code class = ...} on a real node with the bundled Cassandra: the
 * KeyedProcessFunction sample keeps state and event-time timers that survive a kill -9 and fire after
 * the restart; the ProcessWindowFunction sample fires windows; side outputs read like results.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JavaPipelineIT {

  private static final long T = 1_767_225_600_000L;

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_java")
      .pipelines("it-pipelines-java.conf", """
        keyflow.pipelines.quiet-users.class = "io.keyflow.examples.CountWithTimeout"
        keyflow.pipelines.letters.class = "io.keyflow.examples.LetterWindows"
        keyflow.pipelines.counts { window { type = tumbling, size = 10s }, aggregations = [ { name = n, fn = count } ] }
        """)
      .build();

  private final HttpJson http = new HttpJson();

  private String url(String pipeline, String rest) {
    return nodes.url(1) + "/v1/pipelines/" + pipeline + rest;
  }

  @Test
  @Order(1)
  void keyedStateAndTimersSurviveAKillAndFireAfterTheRestart() throws Exception {
    var bad = http.postNdjson(url("quiet-users", "/events"),
        "{\"user\":\"ann\",\"ts\":" + T + "}\n{\"name\":\"no user\",\"ts\":" + T + "}\n");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().get("line").asInt()).isEqualTo(2);
    assertThat(bad.json().get("error").asText()).contains("missing field 'user'");

    StringBuilder body = new StringBuilder();
    body.append("{\"user\":\"ann\",\"ts\":").append(T + 1_000).append(",\"page\":\"/a\"}\n");
    body.append("{\"user\":\"bob\",\"ts\":").append(T + 2_000).append(",\"tags\":[\"x\",1]}\n");
    body.append("{\"user\":\"ann\",\"ts\":").append(T + 3_000).append("}\n");
    for (int i = 0; i < 100; i++) {
      body.append("{\"user\":\"cy\",\"ts\":").append(T + 500 + i).append("}\n");
    }
    var ok = http.postNdjson(url("quiet-users", "/events"), body.toString());
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(ok.json().get("accepted").asLong()).isEqualTo(103);

    JsonNode ann = http.get(url("quiet-users", "/state/ann")).json();
    assertThat(ann.get("state").get("count").get("count").asLong()).isEqualTo(2);
    assertThat(ann.get("state").get("count").get("lastModified").asLong()).isEqualTo(T + 3_000);
    assertThat(http.get(url("quiet-users", "/results")).json()).isEmpty();

    nodes.node(1).kill();
    nodes.start(1);
    nodes.node(1).awaitReady(Duration.ofSeconds(180));

    assertThat(http.get(url("quiet-users", "/state/ann")).json().get("state").get("count").get("count").asLong())
        .isEqualTo(2);
    // Event time moves past every user's timeout: the timers restored from the journal fire.
    var wm = http.post(url("quiet-users", "/watermark"), "application/json",
        ("{\"watermark\":" + (T + 20_000) + "}").getBytes());
    assertThat(wm.status()).as(wm.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode results = http.get(url("quiet-users", "/results")).json();
      assertThat(results).hasSize(3);
      Map<String, Long> counts = new java.util.TreeMap<>();
      results.forEach(r -> counts.put(r.get("key").asText(), r.get("values").get("count").asLong()));
      assertThat(counts).containsExactlyEntriesOf(new java.util.TreeMap<>(Map.of("ann", 2L, "bob", 1L, "cy", 100L)));
    });
    JsonNode annResult = http.get(url("quiet-users", "/results?key=ann")).json().get(0);
    assertThat(annResult.get("window_start").asLong()).isEqualTo(T + 13_000);
    assertThat(annResult.get("values").get("lastModified").asLong()).isEqualTo(T + 3_000);
    assertThat(http.get(url("quiet-users", "/state/ann")).json().has("state")).isFalse();
    JsonNode busy = http.get(url("quiet-users", "/results?stage=busy")).json();
    assertThat(busy).singleElement().satisfies(r -> assertThat(r.get("values").get("value").asText()).isEqualTo("cy"));
  }

  @Test
  @Order(2)
  void processWindowFunctionSampleFiresFiveSecondWindowsPerFirstCharacter() throws Exception {
    String body = String.join("\n",
        "{\"letter\":\"apple\",\"ts\":" + (T + 100) + "}",
        "{\"letter\":\"avocado\",\"ts\":" + (T + 4_999) + "}",
        "{\"letter\":\"banana\",\"ts\":" + (T + 1_000) + "}",
        "{\"letter\":\"apricot\",\"ts\":" + (T + 7_000) + "}");
    assertThat(http.postNdjson(url("letters", "/events"), body).status()).isEqualTo(200);
    // a's key group: watermark = T + 7_000 − 1_000 − 1 ≥ T + 4_999, its first window fired; b's group
    // saw only T + 1_000 (watermarks are per key group) until a client posts a watermark.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode results = http.get(url("letters", "/results")).json();
      assertThat(results).hasSize(1);
      assertThat(results.get(0).get("key").asText()).isEqualTo("a");
      assertThat(results.get(0).get("window_start").asLong()).isEqualTo(T);
      assertThat(results.get(0).get("window_end").asLong()).isEqualTo(T + 5_000);
      assertThat(results.get(0).get("values").get("letters").asText()).isEqualTo("apple,avocado");
    });
    assertThat(http.post(url("letters", "/watermark"), "application/json",
        ("{\"watermark\":" + (T + 4_999) + "}").getBytes()).status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonNode results = http.get(url("letters", "/results")).json();
      assertThat(results).hasSize(2);
      assertThat(results.get(1).get("key").asText()).isEqualTo("b");
      assertThat(results.get(1).get("values").get("count").asLong()).isEqualTo(1);
    });
    JsonNode listed = http.get(nodes.url(1) + "/v1/pipelines").json();
    assertThat(listed.toString()).contains("\"function\":\"process-window\"").contains("LetterWindows$CountLetters");
  }

  @Test
  @Order(3)
  void anIncompatibleChangeIsRefusedAtStartUntilThePipelineIsReset() throws Exception {
    assertThat(http.postNdjson(url("counts", "/events"), "{\"key\":\"a\",\"ts\":" + T + "}").status()).isEqualTo(200);
    nodes.node(1).close();
    String changed = Files.readString(nodes.pipelines()).replace("size = 10s", "size = 5s");
    Files.writeString(nodes.pipelines(), changed);

    nodes.start(1);
    assertThat(nodes.node(1).awaitExit(Duration.ofSeconds(120))).isNotZero();
    assertThat(nodes.node(1).log()).contains("pipeline 'counts' no longer matches its stored state: window changed from "
        + "tumbling size 10000 ms, offset 0 ms, event time to tumbling size 5000 ms, offset 0 ms, event time")
        .contains("bin/keyflow reset counts");

    Path resetLog = TestCassandra.home().resolve("target/it-logs/" + nodes.keyspace() + "-reset.log");
    assertThat(NodeProcess.runMain(nodes.keyspace(), resetLog, "reset", "counts", "--yes")).as(Files.readString(resetLog)).isZero();
    assertThat(Files.readString(resetLog)).contains("journal_events=").contains("results=");

    nodes.start(1);
    nodes.node(1).awaitReady(Duration.ofSeconds(180));
    JsonNode listed = http.get(nodes.url(1) + "/v1/pipelines").json();
    assertThat(listed.toString()).contains("\"size_ms\":5000");
    assertThat(http.get(url("counts", "/state/a")).json().get("windows")).isEmpty();
    assertThat(http.get(url("quiet-users", "/results")).json()).as("other pipelines keep their results").hasSize(3);
  }
}
