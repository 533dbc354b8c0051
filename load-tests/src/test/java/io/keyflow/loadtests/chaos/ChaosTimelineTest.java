package io.keyflow.loadtests.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChaosTimelineTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long T0 = 5 * SECOND;

  private static Histogram latencies(long... micros) {
    Histogram h = new Histogram(3);
    for (long m : micros) {
      h.recordValue(m);
    }
    return h;
  }

  @Test
  void eachSecondIsAPointAndEachChangeOfPhaseAMarkAtItsMoment() {
    ChaosTimeline timeline = new ChaosTimeline(T0);
    timeline.phase(T0, "load");
    assertThat(timeline.due(T0 + SECOND / 2)).isFalse();
    assertThat(timeline.due(T0 + SECOND)).isTrue();
    timeline.tick(T0 + SECOND, 400, latencies(20_000, 30_000), 0);
    timeline.phase(T0 + 3 * SECOND / 2, "fault:kill -9 node-3");
    timeline.tick(T0 + 2 * SECOND, 400, new Histogram(3), 2);
    timeline.phase(T0 + 2 * SECOND, "fault:kill -9 node-3");
    timeline.phase(T0 + 5 * SECOND / 2, "heal");
    timeline.tick(T0 + 4 * SECOND, 1_400, latencies(900_000), 5);

    assertThat(timeline.seconds()).extracting(s -> s.t()).containsExactly(1L, 2L, 4L);
    assertThat(timeline.seconds()).extracting(s -> s.eventsPerSecond()).containsExactly(400.0, 0.0, 500.0);
    assertThat(timeline.seconds().get(0).p99Ms()).isBetween(29.9, 30.1);
    assertThat(timeline.seconds().get(1).p50Ms()).as("nothing acknowledged: no latency").isNaN();
    assertThat(timeline.seconds()).extracting(s -> s.errors()).containsExactly(0L, 2L, 5L);
    // The first phase is where the run starts, not a change; a phase seen again is not a new mark.
    assertThat(timeline.marks()).extracting(m -> m.label()).containsExactly("fault:kill -9 node-3", "heal");
    assertThat(timeline.marks()).extracting(m -> m.t()).containsExactly(1.5, 2.5);
  }

  @Test
  void theReportHasBothChartsWithAPointPerSecondAndEveryMarkEscaped(@TempDir Path dir) throws Exception {
    ChaosTimeline timeline = new ChaosTimeline(0);
    timeline.phase(0, "load");
    for (int s = 1; s <= 6; s++) {
      timeline.tick(s * SECOND, s * 200L, latencies(10_000L * s), 0);
      if (s == 3) {
        timeline.phase(s * SECOND, "fault:SIGSTOP node-3 <paused>");
      }
    }
    timeline.phase(9 * SECOND, "settle");
    Path file = dir.resolve("report.html");
    timeline.write(file, "pause", "scenario=pause lost=0 duplicated=0 ok=true");

    String html = Files.readString(file);
    assertThat(html).contains("<title>Keyflow chaos: pause</title>", "scenario=pause lost=0 duplicated=0 ok=true")
        .doesNotContain("<paused>").contains("&lt;paused&gt;").doesNotContain("src=", "href=", "<script", "<link");
    assertThat(count(html, "<svg ")).isEqualTo(2);
    assertThat(count(html, "class=\"mark\"")).as("two marks in each chart").isEqualTo(4);
    // events/s: one line of six points; latency: p50 and p99, six points each.
    Matcher polylines = Pattern.compile("points=\"([^\"]*)\"").matcher(html);
    int lines = 0;
    while (polylines.find()) {
      assertThat(polylines.group(1).trim().split(" ")).hasSize(6);
      lines++;
    }
    assertThat(lines).isEqualTo(3);
    // The settle mark at 9 s lies past the last point: the time axis reaches it.
    assertThat(html).contains("t = 9 s");
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }
}
