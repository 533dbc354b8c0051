package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GET /metrics of one real node (real bundled Cassandra) before and after a load of known size. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsIT {

  private static final long START = 1_767_225_600_000L;
  private static final int KEY_GROUPS = 16;
  private static final String EVENTS_ROUTE = "/v1/pipelines/{pipeline}/events";
  private static final Map<String, String> METERED = Map.of("pipeline", "metered");

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_metrics")
      .pipelines("it-pipelines-metrics.conf", """
        keyflow.pipelines.metered {
          key-field = "user"
          max-key-groups = %d
          window { type = tumbling, size = 10s }
          aggregations = [ { name = n, fn = count } ]
        }
        # Two stages, so the meters of results forwarded between stages are in the scrape too.
        keyflow.pipelines.staged {
          max-key-groups = 2
          stages = [
            { name = counts, key-field = user, window { type = tumbling, size = 10s },
              aggregations = [ { name = n, fn = count } ] }
            { name = totals, key-field = window_start, window { type = tumbling, size = 10s },
              aggregations = [ { name = users, fn = count } ] }
          ]
        }
        """.formatted(KEY_GROUPS))
      .build();

  private final HttpJson http = new HttpJson();

  private PrometheusText scrape() throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(nodes.url(1) + "/metrics")).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
        assertThat(type.replace(" ", "")).isEqualToIgnoringCase("text/plain;version=0.0.4;charset=utf-8"));
    return PrometheusText.parse(response.body());
  }

  private static String events(int from, int count) {
    StringBuilder body = new StringBuilder();
    for (int i = from; i < from + count; i++) {
      body.append("{\"user\":\"u").append(i % 37).append("\",\"ts\":").append(START + i * 100L).append("}\n");
    }
    return body.toString();
  }

  private static double requests(PrometheusText text, int status) {
    return text.value("keyflow_http_requests_total", Map.of("route", EVENTS_ROUTE, "status", Integer.toString(status)));
  }

  @Test
  void ingestCountersGrowByExactlyWhatTheAnswersReport() throws Exception {
    PrometheusText before = scrape();
    String url = nodes.url(1) + "/v1/pipelines/metered/events";

    List<HttpJson.Response> answers = List.of(
        http.postNdjson(url, events(0, 120), "metrics-it-1"),
        http.postNdjson(url, events(120, 45)),
        http.postNdjson(url, events(0, 120), "metrics-it-1"), // a client's retry: all duplicates
        http.postNdjson(url, events(165, 80), "metrics-it-2"));
    HttpJson.Response invalid = http.postNdjson(url, "{\"user\":\"u1\",\"ts\":" + START + "}\n{\"ts\":" + START + "}\n");

    assertThat(answers).allSatisfy(a -> assertThat(a.status()).as(a.body()).isEqualTo(200));
    assertThat(invalid.status()).isEqualTo(400);
    int accepted = answers.stream().mapToInt(a -> a.json().get("accepted").asInt()).sum();
    int duplicates = answers.stream().mapToInt(a -> a.json().get("duplicates").asInt()).sum();
    assertThat(accepted).isEqualTo(245);
    assertThat(duplicates).isEqualTo(120);

    PrometheusText after = scrape();
    assertThat(after.value("keyflow_ingest_events_total", METERED) - before.value("keyflow_ingest_events_total", METERED))
        .isEqualTo(accepted);
    assertThat(after.value("keyflow_ingest_duplicates_total", METERED) - before.value("keyflow_ingest_duplicates_total", METERED))
        .isEqualTo(duplicates);
    assertThat(requests(after, 200) - requests(before, 200)).isEqualTo(4);
    assertThat(requests(after, 400) - requests(before, 400)).isEqualTo(1);
    assertThat(after.value("keyflow_ingest_ack_latency_seconds_count", Map.of())
        - before.value("keyflow_ingest_ack_latency_seconds_count", Map.of())).isEqualTo(4);
    assertThat(after.find("keyflow_ingest_ack_latency_seconds_bucket", Map.of("le", "0.1"))).hasSize(1);
    // Each acknowledged request's records were applied in at least one key group: a share each.
    assertThat(after.sum("keyflow_ingest_applied_latency_seconds_count", METERED)
        - before.sum("keyflow_ingest_applied_latency_seconds_count", METERED)).isGreaterThanOrEqualTo(4);
    // every accepted event is in exactly one journal event of its key group
    assertThat(after.sum("keyflow_journal_batch_records_sum", METERED) - before.sum("keyflow_journal_batch_records_sum", METERED))
        .isEqualTo(accepted);
  }

  @Test
  void theNodeReportsEveryKeyGroupItHoldsAndItsOwnLoad() throws Exception {
    http.postNdjson(nodes.url(1) + "/v1/pipelines/metered/events", events(1_000, 60));
    PrometheusText text = scrape();

    assertThat(text.value("keyflow_key_groups", Map.of("pipeline", "metered", "stage", "main"))).isEqualTo(KEY_GROUPS);
    Set<String> groups = new TreeSet<>();
    text.find("keyflow_key_group_recovery_seconds", METERED).forEach(s -> groups.add(s.labels().get("key_group")));
    assertThat(groups).hasSize(KEY_GROUPS);
    assertThat(text.find("keyflow_key_group_watermark_lag_seconds", METERED)).hasSize(KEY_GROUPS)
        .anySatisfy(s -> assertThat(s.value()).isGreaterThan(0));
    assertThat(text.find("keyflow_journal_write_latency_seconds_count", METERED)).hasSize(KEY_GROUPS);
    assertThat(text.find("keyflow_snapshot_bytes", METERED)).hasSize(KEY_GROUPS);

    assertThat(text.value("keyflow_load_signal", Map.of())).isBetween(0.0, 1.0);
    assertThat(text.value("keyflow_ingest_in_flight_events", Map.of())).isZero();
    assertThat(text.find("keyflow_ingest_rejected_total", Map.of("reason", "in-flight-events"))).hasSize(1);
    assertThat(text.find("jvm_memory_used_bytes", Map.of())).isNotEmpty();
    assertThat(text.find("cassandra_session_cql_requests_seconds_count", Map.of())).as("driver meters").isNotEmpty();
  }

  /**
   * Every metric the Grafana board (docker/grafana) reads, with every label it matches or groups by,
   * is in one scrape after a load; read from the board, so a panel added there is checked here.
   */
  @Test
  void oneScrapeHasEverySeriesAndLabelTheGrafanaBoardReads() throws Exception {
    GrafanaBoard board = GrafanaBoard.read(GrafanaBoardTest.BOARD);
    Set<String> targetLabels = ScrapeCoverage.targetLabels(
        new ObjectMapper(new YAMLFactory()).readTree(GrafanaBoardTest.DOCKER.resolve("prometheus.yml").toFile()));
    String url = nodes.url(1) + "/v1/pipelines/metered/events";
    assertThat(http.postNdjson(url, events(2_000, 200)).status()).isEqualTo(200);
    assertThat(http.postNdjson(url, "{\"ts\":" + START + "}\n").status()).isEqualTo(400);

    // Meters created on first use (GC pauses, driver timers) may lag the load by a moment.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
        assertThat(ScrapeCoverage.gaps(board.labelsByMetric(), scrape(), targetLabels))
            .as("series the board reads (%d metrics) that a scrape lacks", board.labelsByMetric().size()).isEmpty());
  }
}
