package io.keyflow.node;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The series a PromQL expression (as a Grafana panel holds it, with {@code $variables}) reads: each
 * selector's metric name with every label name the expression needs on it, whether matched in
 * {@code {...}}, grouped by ({@code by}, {@code without}, {@code on}, {@code ignoring},
 * {@code group_left}) above it, or {@code le} under {@code histogram_quantile}.
 *
 * <p>Only the subset a dashboard needs is understood; anything else (an unknown function, a selector
 * without a metric name, a label named in a string as {@code label_replace} does) is an error, so a
 * label cannot hide from the checks that use this.
 */
final class PromQlSelectors {

  /** A metric the expression reads and the label names it needs on that metric. */
  record Selector(String metric, Set<String> labels) {}

  /** The selectors of one expression and the dashboard variables it refers to ({@code pipeline}, ...). */
  record Parsed(List<Selector> selectors, Set<String> variables) {}

  private static final Set<String> AGGREGATIONS = Set.of(
      "sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "topk", "bottomk", "quantile");
  private static final Set<String> FUNCTIONS = Set.of(
      "rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets", "histogram_quantile",
      "abs", "ceil", "floor", "round", "sqrt", "clamp", "clamp_min", "clamp_max", "scalar", "vector", "time",
      "timestamp", "absent", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
      "count_over_time", "last_over_time", "predict_linear");
  private static final Set<String> BINARY = Set.of("+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">=",
      "and", "or", "unless");
  private static final Set<String> KEYWORDS = Set.of(
      "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset");
  private static final Pattern TOKEN = Pattern.compile("\\s*(?:"
      + "(?<duration>\\d+(?:ms|[smhdwy])(?:\\d+(?:ms|[smhdwy]))*)(?![\\w.])"
      + "|(?<number>(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)"
      + "|(?<variable>\\$\\{\\w+}|\\$\\w+)"
      + "|(?<identifier>[a-zA-Z_:][a-zA-Z0-9_:]*)"
      + "|(?<string>\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*')"
      + "|(?<operator>=~|!~|==|!=|<=|>=|[-+*/%^<>=(){}\\[\\],:]))");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)}|\\$(\\w+)");

  private final List<String> tokens = new ArrayList<>();
  private final String expression;
  private final List<Selector> selectors = new ArrayList<>();
  private final Set<String> variables = new TreeSet<>();
  private int at;

  private PromQlSelectors(String expression) {
    this.expression = expression;
    Matcher m = TOKEN.matcher(expression);
    int end = 0;
    while (end < expression.length() && !expression.substring(end).isBlank()) {
      if (!m.find(end) || m.start() != end) {
        throw error("cannot read from: " + expression.substring(end).strip());
      }
      tokens.add(m.group().strip());
      end = m.end();
    }
  }

  /** The selectors of {@code expression}; an {@link IllegalArgumentException} if it is outside the subset. */
  static Parsed parse(String expression) {
    PromQlSelectors parser = new PromQlSelectors(expression);
    parser.expression(Set.of());
    if (parser.at != parser.tokens.size()) {
      throw parser.error("unexpected " + parser.peek());
    }
    if (parser.selectors.isEmpty()) {
      throw parser.error("reads no metric");
    }
    return new Parsed(List.copyOf(parser.selectors), Set.copyOf(parser.variables));
  }

  /** A binary expression; {@code grouping}: the labels that the expressions around this one need. */
  private void expression(Set<String> grouping) {
    List<Integer> operands = new ArrayList<>();
    operands.add(selectors.size());
    Set<String> matching = new TreeSet<>();
    unary(grouping);
    while (at < tokens.size() && BINARY.contains(peek())) {
      next();
      accept("bool");
      if (accept("on") || accept("ignoring")) {
        matching.addAll(labelList());
      }
      if (accept("group_left") || accept("group_right")) {
        if (peek().equals("(")) {
          matching.addAll(labelList());
        }
      }
      operands.add(selectors.size());
      unary(grouping);
    }
    // Vector matching needs its labels on both sides.
    for (int i = operands.get(0); i < selectors.size(); i++) {
      Selector s = selectors.get(i);
      selectors.set(i, new Selector(s.metric(), union(s.labels(), matching)));
    }
  }

  private void unary(Set<String> grouping) {
    if (peek().equals("-") || peek().equals("+")) {
      next();
    }
    String token = next();
    if (token.equals("(")) {
      expression(grouping);
      expect(")");
      rangeAndOffset();
    } else if (token.matches("(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?")) {
      return;
    } else if (AGGREGATIONS.contains(token)) {
      aggregation(grouping);
    } else if (FUNCTIONS.contains(token)) {
      call(token, grouping);
    } else if (token.matches("[a-zA-Z_:][a-zA-Z0-9_:]*") && !KEYWORDS.contains(token) && !peek().equals("(")) {
      selector(token, grouping);
    } else {
      throw error("unknown function or token " + token);
    }
  }

  private void aggregation(Set<String> grouping) {
    Set<String> labels = new TreeSet<>(grouping);
    if (accept("by") || accept("without")) {
      labels.addAll(labelList());
    }
    expect("(");
    Set<String> inner = labels;
    int firstArgument = selectors.size();
    expression(inner);
    while (accept(",")) {
      expression(inner);
    }
    expect(")");
    if (accept("by") || accept("without")) {
      Set<String> after = labelList();
      for (int i = firstArgument; i < selectors.size(); i++) {
        Selector s = selectors.get(i);
        selectors.set(i, new Selector(s.metric(), union(s.labels(), after)));
      }
    }
  }

  private void call(String function, Set<String> grouping) {
    expect("(");
    if (!peek().equals(")")) {
      expression(grouping);
      while (accept(",")) {
        // histogram_quantile(phi, buckets): the buckets are read by their le.
        expression(function.equals("histogram_quantile") ? union(grouping, Set.of("le")) : grouping);
      }
    }
    expect(")");
  }

  private void selector(String metric, Set<String> grouping) {
    Set<String> labels = new TreeSet<>(grouping);
    if (accept("{")) {
      while (!accept("}")) {
        String label = next();
        if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
          throw error("not a label name: " + label);
        }
        String op = next();
        if (!Set.of("=", "!=", "=~", "!~").contains(op)) {
          throw error("not a label matcher: " + label + op);
        }
        String value = next();
        if (!value.startsWith("\"") && !value.startsWith("'")) {
          throw error("label value is not a string: " + value);
        }
        variablesIn(value);
        labels.add(label);
        if (!peek().equals("}")) {
          expect(",");
        }
      }
    }
    selectors.add(new Selector(metric, labels));
    rangeAndOffset();
  }

  private void rangeAndOffset() {
    if (accept("[")) {
      duration();
      if (accept(":") && !peek().equals("]")) {
        duration();
      }
      expect("]");
    }
    if (accept("offset")) {
      duration();
    }
  }

  private void duration() {
    String token = next();
    if (token.startsWith("$")) {
      variablesIn(token);
    } else if (!token.matches("\\d+(?:ms|[smhdwy])(?:\\d+(?:ms|[smhdwy]))*")) {
      throw error("not a duration: " + token);
    }
  }

  private Set<String> labelList() {
    expect("(");
    Set<String> labels = new TreeSet<>();
    while (!accept(")")) {
      String label = next();
      if (!label.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
        throw error("not a label name: " + label);
      }
      labels.add(label);
      if (!peek().equals(")")) {
        expect(",");
      }
    }
    return labels;
  }

  private void variablesIn(String text) {
    Matcher m = VARIABLE.matcher(text);
    while (m.find()) {
      variables.add(m.group(1) != null ? m.group(1) : m.group(2));
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private String peek() {
    return at < tokens.size() ? tokens.get(at) : "";
  }

  private String next() {
    if (at >= tokens.size()) {
      throw error("ends too early");
    }
    return tokens.get(at++);
  }

  private boolean accept(String token) {
    if (peek().equals(token)) {
      at++;
      return true;
    }
    return false;
  }

  private void expect(String token) {
    if (!accept(token)) {
      throw error("expected " + token + " at token " + at + " ('" + peek() + "')");
    }
  }

  private IllegalArgumentException error(String message) {
    return new IllegalArgumentException(message + " in PromQL: " + expression);
  }
}
