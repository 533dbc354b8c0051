package io.keyflow.node;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a dashboard reads that one scrape of a node lacks: a metric without a series, or without a
 * series carrying every label the dashboard matches or groups it by. A histogram the board reads in
 * any way must have its {@code _bucket} (with {@code le}), {@code _count} and {@code _sum}; a summary
 * its {@code _count} and {@code _sum}. Labels Prometheus adds to every series of a target
 * ({@link #targetLabels}) are not the node's to export.
 */
final class ScrapeCoverage {

  private ScrapeCoverage() {}

  /** One sentence per series the board needs and the scrape lacks; empty when it has them all. */
  static List<String> gaps(Map<String, Set<String>> labelsByMetric, PrometheusText scrape, Set<String> targetLabels) {
    List<String> gaps = new ArrayList<>();
    labelsByMetric.forEach((metric, labels) -> {
      Set<String> needed = new TreeSet<>(labels);
      needed.removeAll(targetLabels);
      seriesNeeded(metric, needed, scrape).forEach((name, nameLabels) -> {
        List<PrometheusText.Sample> samples = scrape.find(name, Map.of());
        if (samples.isEmpty()) {
          gaps.add(name + (name.equals(metric) ? "" : " (of " + metric + ")") + ": no series in the scrape");
        } else if (samples.stream().noneMatch(s -> s.labels().keySet().containsAll(nameLabels))) {
          Set<String> seen = new TreeSet<>();
          samples.forEach(s -> seen.addAll(s.labels().keySet()));
          gaps.add(name + ": no series with labels " + nameLabels + " (its labels: " + seen + ")");
        }
      });
    });
    return gaps;
  }

  private static Map<String, Set<String>> seriesNeeded(String metric, Set<String> labels, PrometheusText scrape) {
    String family = scrape.familyOf(metric);
    Set<String> withoutLe = new TreeSet<>(labels);
    withoutLe.remove("le");
    Map<String, Set<String>> series = new LinkedHashMap<>();
    switch (scrape.typeOf(family)) {
      case "histogram" -> {
        Set<String> withLe = new TreeSet<>(labels);
        withLe.add("le");
        series.put(family + "_bucket", withLe);
        series.put(family + "_count", withoutLe);
        series.put(family + "_sum", withoutLe);
      }
      case "summary" -> {
        series.put(family + "_count", withoutLe);
        series.put(family + "_sum", withoutLe);
        if (!metric.equals(family + "_count") && !metric.equals(family + "_sum")) {
          series.put(metric, labels);
        }
      }
      default -> series.put(metric, labels);
    }
    return series;
  }

  /**
   * The labels Prometheus puts on every series it scrapes with {@code prometheusYml}: {@code job},
   * {@code instance}, and those of the static targets. Relabelling is refused: its labels could not be
   * told apart from the node's.
   */
  static Set<String> targetLabels(JsonNode prometheusYml) {
    Set<String> labels = new TreeSet<>(Set.of("job", "instance"));
    for (JsonNode job : prometheusYml.path("scrape_configs")) {
      if (job.has("relabel_configs") || job.has("metric_relabel_configs")) {
        throw new IllegalArgumentException("relabelling in scrape job " + job.path("job_name").asText() + " is not understood");
      }
      for (JsonNode targets : job.path("static_configs")) {
        targets.path("labels").fieldNames().forEachRemaining(labels::add);
      }
    }
    return labels;
  }
}
