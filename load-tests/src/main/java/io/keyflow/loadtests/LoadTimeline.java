package io.keyflow.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;

/**
 * The run second by second, and the HTML report drawn from it: the summary table, then acked
 * events/s and ack latency (p50, p99) over time as inline SVG, with marks on the time axis (a fault,
 * a heal) — one self-contained file, nothing loaded from anywhere. Used by the loader and by the
 * chaos runner; the bench's page draws its charts with {@link #plot} and shows theirs again.
 */
public final class LoadTimeline {

  /** One progress tick: acked events/s and latency percentiles (ms, NaN when nothing was acked). */
  public record Second(long t, double eventsPerSecond, double p50Ms, double p99Ms, long errors, long status503) {

    public static Second of(long t, double eventsPerSecond, Histogram latencyMicros, long errors, long status503) {
      boolean none = latencyMicros.getTotalCount() == 0;
      return new Second(t, eventsPerSecond,
          none ? Double.NaN : latencyMicros.getValueAtPercentile(50) / 1000.0,
          none ? Double.NaN : latencyMicros.getValueAtPercentile(99) / 1000.0, errors, status503);
    }
  }

  private static final int WIDTH = 760;
  private static final int HEIGHT = 220;
  private static final int PAD = 50;
  private static final String CHARTS_OPEN = "<div class=\"charts\">\n";
  private static final String CHARTS_CLOSE = "</div>\n";

  /** Something that happened at second {@code t} of the run, drawn as a labelled line across the charts. */
  public record Mark(double t, String label) {}

  private LoadTimeline() {}

  static void writeHtml(Path file, LatencyReport report, List<Second> seconds) throws IOException {
    writeHtml(file, "Keyflow load report", report.table() + "\n" + report.resultLine(), seconds, List.of(),
        "One point per second of the run (warm-up included)");
  }

  /**
   * The report: {@code summary} as preformatted text, then the two charts with {@code marks};
   * {@code pointsAre} says what a point is.
   */
  public static void writeHtml(Path file, String title, String summary, List<Second> seconds, List<Mark> marks,
      String pointsAre) throws IOException {
    StringBuilder html = new StringBuilder();
    html.append(page(title)).append("<h1>").append(escape(title)).append("</h1>\n<pre>").append(escape(summary))
        .append("</pre>\n").append(charts(seconds, marks))
        .append("<p>").append(escape(pointsAre)).append("; errors and 503 answers so far: ")
        .append(seconds.isEmpty() ? "0 / 0" : seconds.get(seconds.size() - 1).errors() + " / "
            + seconds.get(seconds.size() - 1).status503())
        .append(".</p>\n</body></html>\n");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, html);
  }

  /** The head of a page titled {@code title} and its style, up to the opened body. */
  public static String page(String title) {
    return "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
        + "<style>body{font-family:sans-serif;margin:2em}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}"
        + "svg{border:1px solid #ccc;margin-bottom:1.5em}</style></head><body>\n";
  }

  /**
   * Acked events/s, then ack latency (p50, p99), over the seconds with the marks, in one
   * {@code <div class="charts">} that {@link #chartsOf} finds again in a written report.
   */
  public static String charts(List<Second> seconds, List<Mark> marks) {
    return CHARTS_OPEN + "<h3>Acked events/s</h3>\n"
        + plot(List.of(Line.of("events/s", "#1f77b4", seconds, Second::eventsPerSecond)), "events/s", marks)
        + "<h3>Ack latency</h3>\n"
        + plot(List.of(Line.of("p50", "#2ca02c", seconds, Second::p50Ms), Line.of("p99", "#d62728", seconds,
            Second::p99Ms)), "ms", marks)
        + CHARTS_CLOSE;
  }

  /** The charts of a report {@link #writeHtml} wrote, to show them in another page; empty when there are none. */
  public static String chartsOf(String reportHtml) {
    int from = reportHtml.indexOf(CHARTS_OPEN);
    int to = from < 0 ? -1 : reportHtml.indexOf(CHARTS_CLOSE, from);
    return to < 0 ? "" : reportHtml.substring(from, to + CHARTS_CLOSE.length());
  }

  /** A point of a line: the value at {@code t} seconds, NaN when there is none. */
  public record Point(double t, double value) {}

  /** One line of a chart. */
  public record Line(String name, String colour, List<Point> points) {

    /** The line of {@code value} over the seconds. */
    public static Line of(String name, String colour, List<Second> seconds, ToDoubleFunction<Second> value) {
      return new Line(name, colour, seconds.stream().map(s -> new Point(s.t(), value.applyAsDouble(s))).toList());
    }
  }

  /**
   * A line chart of the lines over t, with the marks. A NaN point is left out of its line; its t still
   * reaches the time axis, so charts of the same points share one.
   */
  public static String plot(List<Line> lines, String unit, List<Mark> marks) {
    double maxT = Math.max(lines.stream().flatMap(l -> l.points().stream()).mapToDouble(Point::t).max().orElse(1),
        marks.stream().mapToDouble(Mark::t).max().orElse(0));
    double maxY = lines.stream().flatMap(l -> l.points().stream()).mapToDouble(Point::value)
        .filter(v -> !Double.isNaN(v)).max().orElse(1);
    maxY = maxY <= 0 ? 1 : maxY * 1.1;
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n",
        WIDTH, HEIGHT + PAD));
    svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>"
        + "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
        PAD, HEIGHT, WIDTH - 10, HEIGHT, PAD, PAD, HEIGHT));
    svg.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"18\" font-size=\"11\">%s</text>"
        + "<text x=\"4\" y=\"%d\" font-size=\"11\">0</text>"
        + "<text x=\"%d\" y=\"%d\" font-size=\"11\">t = %.0f s</text>\n",
        escape(number(maxY) + " " + unit), HEIGHT, WIDTH - 80, HEIGHT + 16, maxT));
    int markRow = 0;
    for (Mark mark : marks) {
      double x = PAD + (WIDTH - 10 - PAD) * (mark.t() / Math.max(1, maxT));
      // A label near the right edge is written leftwards from its line.
      boolean leftwards = x > WIDTH - 160;
      svg.append(String.format(Locale.ROOT, "<line class=\"mark\" x1=\"%.1f\" y1=\"10\" x2=\"%.1f\" y2=\"%d\" stroke=\"#9467bd\""
          + " stroke-dasharray=\"4,3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#9467bd\"%s>%s</text>\n",
          x, x, HEIGHT, leftwards ? x - 3 : x + 3, 20 + 12 * (markRow++ % 4), leftwards ? " text-anchor=\"end\"" : "",
          escape(mark.label())));
    }
    int legendX = PAD;
    for (Line line : lines) {
      svg.append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").append(line.colour()).append("\" points=\"");
      for (Point point : line.points()) {
        if (Double.isNaN(point.value())) {
          continue;
        }
        double x = PAD + (WIDTH - 10 - PAD) * (point.t() / Math.max(1, maxT));
        double y = HEIGHT - (HEIGHT - 10) * (point.value() / maxY);
        svg.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      svg.append("\"/>\n");
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">%s</text>\n",
          legendX, HEIGHT + 36, line.colour(), escape(line.name())));
      legendX += 80;
    }
    return svg.append("</svg>\n").toString();
  }

  private static String number(double v) {
    return v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  /** {@code text} as HTML text or attribute value. */
  public static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
