package io.keyflow.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Grafana dashboard file (docker/grafana/dashboards/keyflow.json) as the metric checks need it:
 * its panels with their PromQL, its variables, and what every query of it reads, by metric
 * ({@link PromQlSelectors}). Reading fails on invalid JSON or on a query outside what
 * {@link PromQlSelectors} understands, naming the panel.
 */
final class GrafanaBoard {

  /** A panel (rows excluded) and the PromQL of its targets. */
  record Panel(String title, String type, String datasourceUid, List<String> expressions) {}

  /** {@code label_values(<selector>, <label>)}, the one variable query form the board may use. */
  private static final Pattern LABEL_VALUES = Pattern.compile("\\s*label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*");

  private final JsonNode json;
  private final List<Panel> panels = new ArrayList<>();
  private final Map<String, String> variableQueries = new TreeMap<>();
  private final List<PromQlSelectors.Selector> selectors = new ArrayList<>();
  private final Set<String> variablesUsed = new TreeSet<>();

  private GrafanaBoard(JsonNode json) {
    this.json = json;
    collectPanels(json.path("panels"));
    for (JsonNode variable : json.path("templating").path("list")) {
      JsonNode query = variable.path("query");
      String text = query.isObject() ? query.path("query").asText() : query.asText();
      variableQueries.put(variable.path("name").asText(), text);
      if (variable.path("type").asText().equals("query")) {
        Matcher m = LABEL_VALUES.matcher(text);
        if (!m.matches()) {
          throw new IllegalArgumentException("variable " + variable.path("name").asText()
              + ": only label_values(<selector>, <label>) is understood, not " + text);
        }
        PromQlSelectors.Parsed parsed = PromQlSelectors.parse(m.group(1));
        parsed.selectors().forEach(s -> selectors.add(new PromQlSelectors.Selector(s.metric(), union(s.labels(), m.group(2)))));
        variablesUsed.addAll(parsed.variables());
      }
    }
  }

  static GrafanaBoard read(Path file) throws IOException {
    return new GrafanaBoard(new ObjectMapper().readTree(file.toFile()));
  }

  private void collectPanels(JsonNode list) {
    for (JsonNode panel : list) {
      if (panel.path("type").asText().equals("row")) {
        collectPanels(panel.path("panels"));
        continue;
      }
      String title = panel.path("title").asText();
      List<String> expressions = new ArrayList<>();
      for (JsonNode target : panel.path("targets")) {
        String expression = target.path("expr").asText();
        try {
          PromQlSelectors.Parsed parsed = PromQlSelectors.parse(expression);
          selectors.addAll(parsed.selectors());
          variablesUsed.addAll(parsed.variables());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("panel '" + title + "', target " + target.path("refId").asText()
              + ": " + e.getMessage(), e);
        }
        expressions.add(expression);
      }
      panels.add(new Panel(title, panel.path("type").asText(), panel.path("datasource").path("uid").asText(null),
          List.copyOf(expressions)));
    }
  }

  JsonNode json() {
    return json;
  }

  List<Panel> panels() {
    return List.copyOf(panels);
  }

  /** Variable name to its query ({@code label_values(...)} for query variables). */
  Map<String, String> variables() {
    return Map.copyOf(variableQueries);
  }

  /** The variables the queries refer to, Grafana's own ({@code __rate_interval}) included. */
  Set<String> variablesUsed() {
    return Set.copyOf(variablesUsed);
  }

  /** Every metric the board reads, with every label name some query of it matches or groups by. */
  Map<String, Set<String>> labelsByMetric() {
    Map<String, Set<String>> byMetric = new TreeMap<>();
    selectors.forEach(s -> byMetric.computeIfAbsent(s.metric(), m -> new LinkedHashSet<>()).addAll(s.labels()));
    return byMetric;
  }

  private static Set<String> union(Set<String> labels, String label) {
    Set<String> all = new TreeSet<>(labels);
    all.add(label);
    return all;
  }
}
