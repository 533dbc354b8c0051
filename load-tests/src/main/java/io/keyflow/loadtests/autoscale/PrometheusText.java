package io.keyflow.loadtests.autoscale;

/** Reads one value out of Prometheus' text exposition format. */
final class PrometheusText {

  private PrometheusText() {}

  /** The value of the first sample of {@code metric} (any labels), or NaN when there is none. */
  static double firstValue(String text, String metric) {
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.startsWith(metric)) {
        continue;
      }
      String rest = line.substring(metric.length());
      if (!rest.startsWith(" ") && !rest.startsWith("{")) {
        continue;  // another metric whose name starts the same
      }
      int close = rest.lastIndexOf('}');
      String[] parts = rest.substring(close + 1).trim().split("\\s+");
      try {
        return Double.parseDouble(parts[0]);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }
}
