package io.keyflow.loadtests.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.loadtests.LoadTimeline;
import io.keyflow.loadtests.chaos.ChaosRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchPageTest {

  private static final Pattern POINTS = Pattern.compile("points=\"([^\"]*)\"");

  private static KeyflowBenchRun.Outcome keyflowRun(int seconds) {
    List<LoadTimeline.Second> series = new ArrayList<>();
    for (int t = 1; t <= seconds; t++) {
      // Second 2 acknowledged nothing: no latency to draw.
      boolean none = t == 2;
      series.add(new LoadTimeline.Second(t, none ? 0 : 1_000.0 * t, none ? Double.NaN : 10 + t,
          none ? Double.NaN : 40 + t, 0, 0));
    }
    return new KeyflowBenchRun.Outcome(1, "RESULT events_per_s=4000 p99_ms=45 <all acked>", 4_000, seconds,
        List.of(), 1, 1, 1, 1, 1, 1, 1, null, series, List.of(new LoadTimeline.Mark(3, "loader warm-up ends")));
  }

  private static BenchPage.Section flinkRun() {
    List<LoadTimeline.Point> rate = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      rate.add(new LoadTimeline.Point(i / 10.0, i == 8 ? Double.NaN : 100_000.0 * i));
    }
    return BenchPage.Section.rate("Flink & co", "steady 500,000 events/s", rate, List.of(
        new LoadTimeline.Mark(0.1, "first event"), new LoadTimeline.Mark(0.2, "10 %"),
        new LoadTimeline.Mark(0.7, "90 %")));
  }

  @Test
  void everyRunIsASectionWithItsChartsAPointPerSampleItsMarksAndItsTextEscaped(@TempDir Path home) throws Exception {
    LoadTimeline.writeHtml(home.resolve("logs/chaos/kill-p1/report.html"), "Keyflow chaos: kill", "line",
        List.of(new LoadTimeline.Second(1, 500, 20, 30, 0, 0), new LoadTimeline.Second(2, 0, Double.NaN, Double.NaN, 3, 0),
            new LoadTimeline.Second(3, 600, 25, 90, 3, 0)),
        List.of(new LoadTimeline.Mark(1.5, "fault:kill -9 node-3"), new LoadTimeline.Mark(2.5, "heal")), "points");
    List<BenchPage.Section> sections = new ArrayList<>(List.of(flinkRun(),
        BenchPage.Section.keyflow("Keyflow, 1 node <fast>", keyflowRun(6))));
    sections.addAll(BenchPage.chaos(List.of(ChaosRunner.KEPT_IN + "logs/chaos/kill-p1",
        "scenario=kill seed=7 lost=0 ok=true"), home, home.resolve("load-tests/results")));

    String html = BenchPage.render("Side by side", List.of("A point is a second & more."), sections);

    assertThat(html).doesNotContain("<script", "<link", "src=", "<fast>", "<all acked>")
        .contains("<h2>Keyflow, 1 node &lt;fast&gt;</h2>", "&lt;all acked&gt;", "Flink &amp; co",
            "A point is a second &amp; more.", "<a href=\"../../logs/chaos/kill-p1/report.html\">");
    String[] parts = html.split("<h2>");
    assertThat(parts).hasSize(4);
    // Flink: one events/s chart, the NaN sample left out, its three marks.
    assertThat(count(parts[1], "<svg ")).isEqualTo(1);
    assertThat(pointsPerLine(parts[1])).containsExactly(7);
    assertThat(count(parts[1], "class=\"mark\"")).isEqualTo(3);
    assertThat(parts[1]).contains(">10 %</text>", ">90 %</text>");
    // Keyflow: events/s (every second), then p50 and p99 without the second that acknowledged nothing.
    assertThat(count(parts[2], "<svg ")).isEqualTo(2);
    assertThat(pointsPerLine(parts[2])).containsExactly(6, 5, 5);
    assertThat(count(parts[2], "class=\"mark\"")).as("the warm-up mark on both charts").isEqualTo(2);
    // Chaos: the report.html's two charts shown again, with its fault and heal marks.
    assertThat(parts[3]).startsWith("Chaos: kill</h2>").contains("scenario=kill seed=7 lost=0 ok=true");
    assertThat(count(parts[3], "<svg ")).isEqualTo(2);
    assertThat(pointsPerLine(parts[3])).containsExactly(3, 2, 2);
    assertThat(count(parts[3], "class=\"mark\"")).isEqualTo(4);
    assertThat(parts[3]).contains("fault:kill -9 node-3");
  }

  @Test
  void aChaosScenarioWithoutItsReportIsListedWithoutCharts(@TempDir Path home) throws Exception {
    List<BenchPage.Section> sections = BenchPage.chaos(List.of("chaos: starting", ChaosRunner.KEPT_IN + "logs/chaos/gone",
        "scenario=leave-join seed=7 ok=false", "scenario=kill setup_failed=true ok=false"), home, home);

    assertThat(sections).extracting(BenchPage.Section::title).containsExactly("Chaos: leave-join", "Chaos: kill");
    assertThat(sections).allSatisfy(s -> {
      assertThat(s.charts()).isEmpty();
      assertThat(s.href()).isNull();
      assertThat(s.text()).endsWith("(no report.html)");
    });
  }

  private static List<Integer> pointsPerLine(String html) {
    return POINTS.matcher(html).results()
        .map(m -> (int) Arrays.stream(m.group(1).trim().split(" ")).filter(p -> !p.isEmpty()).count()).toList();
  }

  private static long count(String text, String part) {
    return Pattern.compile(Pattern.quote(part)).matcher(text).results().count();
  }
}
