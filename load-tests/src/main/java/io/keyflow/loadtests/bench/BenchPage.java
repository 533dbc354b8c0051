package io.keyflow.loadtests.bench;

import io.keyflow.loadtests.LoadTimeline;
import io.keyflow.loadtests.chaos.ChaosRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench's page over time, next to its Markdown report: for each system and scenario of the run,
 * what it did second by second, with the changes of phase marked on the time axis. One
 * self-contained file: inline SVG drawn by {@link LoadTimeline}, no script, nothing loaded.
 */
public final class BenchPage {

  private static final String RATE_COLOUR = "#ff7f0e";

  /** One system or scenario: a heading, a line of text, an optional link, and its charts (trusted HTML). */
  public record Section(String title, String text, String href, String charts) {

    /** A Keyflow run: the load generator's acked events/s and ack latency of each second, its RESULT line. */
    public static Section keyflow(String title, KeyflowBenchRun.Outcome run) {
      return new Section(title, run.resultLine(), null, LoadTimeline.charts(run.seconds(), run.marks()));
    }

    /** A run that has a rate over time and no acknowledgements (Flink's). */
    public static Section rate(String title, String text, List<LoadTimeline.Point> eventsPerSecond,
        List<LoadTimeline.Mark> marks) {
      return new Section(title, text, null, "<h3>Events/s</h3>\n" + LoadTimeline.plot(
          List.of(new LoadTimeline.Line("events/s", RATE_COLOUR, eventsPerSecond)), "events/s", marks));
    }
  }

  private BenchPage() {}

  /**
   * A section per scenario of the chaos runner's {@code output}: its {@code scenario=} line and the
   * charts of the report.html it kept (the folder it printed just before the line, under
   * {@code home}), linked relative to {@code pageDir}.
   */
  public static List<Section> chaos(List<String> output, Path home, Path pageDir) throws IOException {
    List<Section> sections = new ArrayList<>();
    Path kept = null;
    for (String line : output) {
      if (line.startsWith(ChaosRunner.KEPT_IN)) {
        kept = home.resolve(line.substring(ChaosRunner.KEPT_IN.length()).strip()).resolve("report.html");
      } else if (line.startsWith("scenario=")) {
        String scenario = line.substring("scenario=".length()).split(" ", 2)[0];
        if (kept != null && Files.isRegularFile(kept)) {
          sections.add(new Section("Chaos: " + scenario, line,
              pageDir.toAbsolutePath().relativize(kept.toAbsolutePath()).toString().replace('\\', '/'),
              LoadTimeline.chartsOf(Files.readString(kept))));
        } else {
          sections.add(new Section("Chaos: " + scenario, line + " (no report.html)", null, ""));
        }
        kept = null;
      }
    }
    return sections;
  }

  /** The page: {@code intro} (paragraphs of text), then every section under its own heading. */
  public static String render(String title, List<String> intro, List<Section> sections) {
    StringBuilder html = new StringBuilder(LoadTimeline.page(title));
    html.append("<h1>").append(LoadTimeline.escape(title)).append("</h1>\n");
    intro.forEach(p -> html.append("<p>").append(LoadTimeline.escape(p)).append("</p>\n"));
    for (Section s : sections) {
      html.append("<h2>").append(LoadTimeline.escape(s.title())).append("</h2>\n<pre>")
          .append(LoadTimeline.escape(s.text())).append("</pre>\n");
      if (s.href() != null) {
        html.append("<p><a href=\"").append(LoadTimeline.escape(s.href())).append("\">")
            .append(LoadTimeline.escape(s.href())).append("</a> (kept with the logs, not in git)</p>\n");
      }
      html.append(s.charts());
    }
    return html.append("</body></html>\n").toString();
  }
}
