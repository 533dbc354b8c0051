package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Grafana board of docker/grafana is a readable dashboard on the provisioned Prometheus data source,
 * every query of it is understood (so MetricsIT can check its metrics and labels against a live
 * scrape), and compose wires board, provisioning and Prometheus together. Needs no Docker engine.
 */
class GrafanaBoardTest {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Path DOCKER = ROOT.resolve("docker");
  static final Path BOARD = DOCKER.resolve("grafana/dashboards/keyflow.json");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** Variables Grafana itself defines for every query. */
  private static final Set<String> GRAFANA_VARIABLES = Set.of("__rate_interval", "__interval", "__range", "__range_s");

  private static GrafanaBoard board;
  private static JsonNode datasource;
  private static JsonNode grafana;

  @BeforeAll
  static void readFiles() throws IOException {
    board = GrafanaBoard.read(BOARD);
    JsonNode datasources = YAML.readTree(DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml").toFile());
    assertThat(datasources.path("datasources")).as("provisioned data sources").hasSize(1);
    datasource = datasources.path("datasources").path(0);
    grafana = YAML.readTree(DOCKER.resolve("compose.yaml").toFile()).path("services").path("grafana");
  }

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  @Test
  void everyPanelQueriesTheProvisionedPrometheus() {
    assertThat(board.panels()).as("panels of keyflow.json").isNotEmpty();
    assertThat(datasource.path("type").asText()).isEqualTo("prometheus");
    board.panels().forEach(panel -> {
      assertThat(panel.expressions()).as("queries of panel '%s'", panel.title()).isNotEmpty().allSatisfy(e -> assertThat(e).isNotBlank());
      assertThat(panel.datasourceUid()).as("data source of panel '%s'", panel.title())
          .isEqualTo(datasource.path("uid").asText());
    });
    for (JsonNode variable : board.json().path("templating").path("list")) {
      assertThat(variable.path("datasource").path("uid").asText()).as("data source of variable %s", variable.path("name"))
          .isEqualTo(datasource.path("uid").asText());
    }
    assertThat(board.labelsByMetric()).as("metrics the board reads").isNotEmpty();
  }

  @Test
  void theBoardIsFilteredByPipelineAndUsesNoUndefinedVariable() {
    assertThat(board.variables()).as("variables of keyflow.json").containsKey("pipeline");
    Set<String> defined = new TreeSet<>(board.variables().keySet());
    defined.addAll(GRAFANA_VARIABLES);
    assertThat(board.variablesUsed()).as("variables the queries use").contains("pipeline").isSubsetOf(defined);
  }

  @Test
  void everyMetricTheBoardReadsIsOneTheReadmeDocuments() throws IOException {
    List<Pattern> documented = new ArrayList<>();
    // First cells of table rows that hold only metric names in backticks: "| `jvm_*`, `process_*` |".
    Matcher cell = Pattern.compile("(?m)^\\| (`[a-z_*]+`(?:, `[a-z_*]+`)*) \\|").matcher(Files.readString(ROOT.resolve("README.md")));
    while (cell.find()) {
      Matcher name = Pattern.compile("`([a-z_*]+)`").matcher(cell.group(1));
      while (name.find()) {
        documented.add(Pattern.compile(name.group(1).replace("*", ".*")));
      }
    }
    assertThat(documented).as("metrics table of README.md").isNotEmpty();
    board.labelsByMetric().keySet().forEach(metric -> {
      String family = metric.replaceFirst("_(bucket|count|sum|max)$", "");
      assertThat(documented).as("README metrics table, for %s of the board", metric)
          .anySatisfy(p -> assertThat(p.matcher(family).matches() || p.matcher(metric).matches()).isTrue());
    });
  }

  @Test
  void grafanaLoadsTheBoardAndTheDataSourceFromWhereComposeMountsThem() throws IOException {
    assertThat(grafana.path("image").asText()).as("image of service grafana").matches("grafana/grafana:[0-9.]+");
    Map<String, String> mounts = new HashMap<>();
    texts(grafana.path("volumes")).forEach(volume -> {
      String[] parts = volume.split(":");
      if (parts[0].startsWith(".")) {
        mounts.put(DOCKER.resolve(parts[0]).normalize().toString(), parts[1]);
      }
    });
    assertThat(mounts.get(DOCKER.resolve("grafana/provisioning").toString())).as("where grafana mounts docker/grafana/provisioning")
        .isEqualTo("/etc/grafana/provisioning");
    JsonNode providers = YAML.readTree(DOCKER.resolve("grafana/provisioning/dashboards/keyflow.yaml").toFile()).path("providers");
    assertThat(providers).as("dashboard providers").hasSize(1);
    assertThat(providers.path(0).path("options").path("path").asText()).as("path of the dashboard provider")
        .isEqualTo(mounts.get(BOARD.getParent().toString()));

    URI url = URI.create(datasource.path("url").asText());
    JsonNode prometheus = YAML.readTree(DOCKER.resolve("compose.yaml").toFile()).path("services").path(url.getHost());
    assertThat(prometheus.path("image").asText()).as("image of compose service %s, the data source's host", url.getHost())
        .startsWith("prom/prometheus:");
    assertThat(url.getPort()).as("port of the data source (Prometheus listens on 9090)").isEqualTo(9090);
    assertThat(texts(grafana.path("depends_on"))).contains(url.getHost());
    String scrapeInterval = YAML.readTree(DOCKER.resolve("prometheus.yml").toFile()).path("global").path("scrape_interval").asText();
    assertThat(datasource.path("jsonData").path("timeInterval").asText())
        .as("timeInterval of the data source = scrape_interval of prometheus.yml ($__rate_interval)").isEqualTo(scrapeInterval);
  }

  @Test
  void aBoardThatIsNoJsonOrHasAQueryOutsideTheSubsetIsRefused(@TempDir Path dir) throws IOException {
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"panels\": [");
    assertThatThrownBy(() -> GrafanaBoard.read(broken)).isInstanceOf(IOException.class);
    Path unknown = dir.resolve("unknown.json");
    Files.writeString(unknown, """
        {"panels": [{"type": "timeseries", "title": "relabelled",
          "targets": [{"refId": "A", "expr": "label_replace(up, \\"a\\", \\"$1\\", \\"b\\", \\"(.*)\\")"}]}]}
        """);
    assertThatThrownBy(() -> GrafanaBoard.read(unknown)).hasMessageContaining("panel 'relabelled'");
  }

  @Test
  void aScrapeWithoutAHistogramsSumOrABoardLabelHasGaps() {
    PrometheusText scrape = PrometheusText.parse("""
        # TYPE lat_seconds histogram
        lat_seconds_bucket{le="0.1"} 1
        lat_seconds_count 1
        # TYPE events_total counter
        events_total{pipeline="a"} 3
        """);
    Map<String, Set<String>> read = Map.of(
        "lat_seconds_bucket", Set.of("instance", "le"),
        "events_total", Set.of("instance", "pipeline", "stage"));
    assertThat(ScrapeCoverage.gaps(read, scrape, Set.of("instance", "job"))).containsExactlyInAnyOrder(
        "lat_seconds_sum (of lat_seconds_bucket): no series in the scrape",
        "events_total: no series with labels [pipeline, stage] (its labels: [pipeline])");
    assertThat(ScrapeCoverage.gaps(Map.of("events_total", Set.of("instance", "pipeline")), scrape, Set.of("instance", "job")))
        .isEmpty();
  }
}
