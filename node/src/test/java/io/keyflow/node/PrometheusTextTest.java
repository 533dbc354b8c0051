package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  private static final String TEXT = """
      # HELP keyflow_ingest_events_total Events applied
      # TYPE keyflow_ingest_events_total counter
      keyflow_ingest_events_total{pipeline="a"} 12.0
      keyflow_ingest_events_total{pipeline="b,c=\\"d\\""} 3.0
      keyflow_key_group_watermark_lag_seconds{key_group="1",pipeline="a",stage="main"} NaN
      keyflow_ingest_ack_latency_seconds_bucket{le="+Inf"} 4
      process_uptime_seconds 1.5E3 1700000000000
      """;

  @Test
  void readsNamesLabelsAndValues() {
    var text = PrometheusText.parse(TEXT);
    assertThat(text.value("keyflow_ingest_events_total", Map.of("pipeline", "a"))).isEqualTo(12.0);
    assertThat(text.value("keyflow_ingest_events_total", Map.of("pipeline", "b,c=\"d\""))).isEqualTo(3.0);
    assertThat(text.value("keyflow_key_group_watermark_lag_seconds", Map.of("key_group", "1"))).isNaN();
    assertThat(text.value("keyflow_ingest_ack_latency_seconds_bucket", Map.of("le", "+Inf"))).isEqualTo(4);
    assertThat(text.value("process_uptime_seconds", Map.of())).isEqualTo(1500.0);
    assertThat(text.sum("keyflow_ingest_events_total", Map.of())).isEqualTo(15.0);
    assertThat(text.value("keyflow_ingest_events_total", Map.of("pipeline", "zzz"))).isZero();
  }

  @Test
  void knowsTheFamilyAndTypeOfEverySampleFromTheTypeLines() {
    var text = PrometheusText.parse("""
        # TYPE lat_seconds histogram
        lat_seconds_bucket{le="+Inf"} 1
        lat_seconds_count 1
        lat_seconds_sum 0.2
        # TYPE lat_seconds_max gauge
        lat_seconds_max 0.2
        # TYPE requests counter
        requests_total 3
        """);
    assertThat(text.familyOf("lat_seconds_bucket")).isEqualTo("lat_seconds");
    assertThat(text.familyOf("lat_seconds_sum")).isEqualTo("lat_seconds");
    assertThat(text.typeOf("lat_seconds")).isEqualTo("histogram");
    assertThat(text.familyOf("lat_seconds_max")).isEqualTo("lat_seconds_max");
    assertThat(text.familyOf("requests_total")).isEqualTo("requests");
    assertThat(text.typeOf("requests")).isEqualTo("counter");
    assertThat(text.typeOf(text.familyOf("undeclared_total"))).isEqualTo("untyped");
  }

  @Test
  void refusesAMalformedLine() {
    assertThatThrownBy(() -> PrometheusText.parse("keyflow_x{pipeline=\"a} 1\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
