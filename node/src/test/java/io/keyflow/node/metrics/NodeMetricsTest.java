package io.keyflow.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.node.PrometheusText;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeMetricsTest {

  @Test
  void requestPathsBecomeRouteTemplatesWithoutPipelineNamesOrKeys() {
    assertThat(NodeMetrics.routeOf("/v1/pipelines/clicks/events")).isEqualTo("/v1/pipelines/{pipeline}/events");
    assertThat(NodeMetrics.routeOf("/v1/pipelines/clicks/state/ann")).isEqualTo("/v1/pipelines/{pipeline}/state/{key}");
    assertThat(NodeMetrics.routeOf("/v1/pipelines/clicks/results/stream")).isEqualTo("/v1/pipelines/{pipeline}/results/stream");
    assertThat(NodeMetrics.routeOf("/v1/pipelines/clicks")).isEqualTo("/v1/pipelines/{pipeline}");
    assertThat(NodeMetrics.routeOf("/v1/pipelines/")).isEqualTo("/v1/pipelines");
    assertThat(NodeMetrics.routeOf("/v1/cluster")).isEqualTo("/v1/cluster");
    assertThat(NodeMetrics.routeOf("/v1/cluster/figures")).isEqualTo("/v1/cluster/figures");
    assertThat(NodeMetrics.routeOf("/metrics")).isEqualTo("/metrics");
  }

  @Test
  void unknownPathsShareOneRouteSoSeriesStayBounded() {
    assertThat(NodeMetrics.routeOf("/wp-admin/x.php")).isEqualTo("other");
    assertThat(NodeMetrics.routeOf("/v1/pipelines/clicks/events/extra")).isEqualTo("other");
  }

  @Test
  void answersAreCountedByRouteAndStatusInThePrometheusText() {
    try (NodeMetrics metrics = new NodeMetrics()) {
      metrics.answered("/v1/pipelines/clicks/events", 200);
      metrics.answered("/v1/pipelines/orders/events", 200);
      metrics.answered("/v1/pipelines/clicks/events", 400);
      var text = PrometheusText.parse(metrics.scrape());
      assertThat(text.value("keyflow_http_requests_total",
          Map.of("route", "/v1/pipelines/{pipeline}/events", "status", "200"))).isEqualTo(2);
      assertThat(text.value("keyflow_http_requests_total",
          Map.of("route", "/v1/pipelines/{pipeline}/events", "status", "400"))).isEqualTo(1);
      assertThat(text.find("jvm_memory_used_bytes", Map.of())).isNotEmpty();
      assertThat(text.find("process_uptime_seconds", Map.of())).isNotEmpty();
    }
  }
}
