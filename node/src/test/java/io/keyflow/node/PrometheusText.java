package io.keyflow.node;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The samples of a Prometheus text exposition (format 0.0.4), parsed line by line: {@code # TYPE}
 * lines kept as the type of each metric family, other comments skipped, label values unescaped,
 * values as doubles (NaN and ±Inf included). A malformed line is an error.
 */
public record PrometheusText(List<Sample> samples, Map<String, String> types) {

  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+-?\\d+)?");
  private static final Pattern TYPE = Pattern.compile("#\\s*TYPE\\s+(\\S+)\\s+(\\S+)\\s*");
  /** Suffixes of the samples of a family: histogram, summary, counter. */
  private static final List<String> SUFFIXES = List.of("_bucket", "_count", "_sum", "_total", "_created");
  private static final Pattern LABEL = Pattern.compile(
      "\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*(?:,|$)");

  public static PrometheusText parse(String text) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      Matcher type = TYPE.matcher(line);
      if (type.matches()) {
        types.put(type.group(1), type.group(2));
      }
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a Prometheus sample line: " + line);
      }
      samples.add(new Sample(m.group(1), labels(m.group(2), line), value(m.group(3))));
    }
    return new PrometheusText(List.copyOf(samples), Map.copyOf(types));
  }

  private static Map<String, String> labels(String text, String line) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return labels;
    }
    Matcher m = LABEL.matcher(text);
    int at = 0;
    while (at < text.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("bad labels in: " + line);
      }
      labels.put(m.group(1), m.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\"));
      at = m.end();
    }
    return labels;
  }

  private static double value(String text) {
    return switch (text) {
      case "NaN" -> Double.NaN;
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }

  /** Samples named {@code name} whose labels include every one of {@code labels}. */
  public List<Sample> find(String name, Map<String, String> labels) {
    return samples.stream()
        .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
        .toList();
  }

  /** The value of the one sample named {@code name} with {@code labels}; 0 when there is none. */
  public double value(String name, Map<String, String> labels) {
    List<Sample> found = find(name, labels);
    if (found.size() > 1) {
      throw new IllegalStateException(found.size() + " samples of " + name + labels + ": " + found);
    }
    return found.isEmpty() ? 0 : found.get(0).value();
  }

  /** The sum over every sample named {@code name} with {@code labels}. */
  double sum(String name, Map<String, String> labels) {
    return find(name, labels).stream().mapToDouble(Sample::value).sum();
  }

  /**
   * The family a sample name belongs to ({@code x} for {@code x_bucket} of histogram {@code x}), or
   * the name itself when no {@code # TYPE} line declares a family for it.
   */
  String familyOf(String sampleName) {
    if (types.containsKey(sampleName)) {
      return sampleName;
    }
    for (String suffix : SUFFIXES) {
      if (sampleName.endsWith(suffix) && types.containsKey(sampleName.substring(0, sampleName.length() - suffix.length()))) {
        return sampleName.substring(0, sampleName.length() - suffix.length());
      }
    }
    return sampleName;
  }

  /** The declared type of a family ({@code counter}, {@code gauge}, {@code histogram}, ...), or {@code untyped}. */
  String typeOf(String family) {
    return types.getOrDefault(family, "untyped");
  }
}
