package io.keyflow.loadtests.flink;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.loadtests.LoadTimeline;
import io.keyflow.loadtests.bench.BenchPage;
import io.keyflow.loadtests.bench.JournalAppendBench;
import io.keyflow.loadtests.bench.KeyflowBenchRun;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClicksReportTest {

  private static KeyflowBenchRun.Outcome outcome(int nodes, double eventsPerSecond, double nodeCpu, double cassandraCpu) {
    String result = "RESULT batch=1000 events_per_s=" + eventsPerSecond + " p50_ms=10.0 p99_ms=40.0 p999_ms=80.0 errors=0";
    return new KeyflowBenchRun.Outcome(nodes, result, eventsPerSecond, 2_000_000 / eventsPerSecond + 3,
        List.of("u1|0 1/5"), nodeCpu, 500, cassandraCpu,
        900, 3, 100, 50, new JournalAppendBench.Round(true, 200, 1_000, 2, 5), List.of(), List.of());
  }

  @Test
  void theTargetsTableCarriesTheRatiosOfTheRunsItWasGiven() {
    FlinkClicks.Run flink = new FlinkClicks.Run(Map.of("u1|0", "1/5"), 4_000, 5_000, 500_000, List.of(), List.of());
    String report = new ClicksReport(2_000_000, 2_000, 1_000, 1_000, 500, 24_500, 8, 16).render(
        new FlinkClicks.Run(Map.of("u1|0", "1/5"), 6_000, 9_000, 300_000, List.of(), List.of()), flink,
        List.of(450_000.0, 500_000.0, 650_000.0), 8, 700,
        outcome(1, 50_000, 30, 20), outcome(3, 40_000, 90, 30), outcome(1, 20_000, 10, 10),
        outcome(1, 10_000, 10, 10), null, List.of());
    assertThat(report)
        .contains("| 1 node + bundled Cassandra, 1,000-event requests × 8 in flight | 50,000 events/s |")
        // (30 + 20) CPU s over 2 M events
        .contains("| CPU seconds (node + Cassandra) per million events, same run | 25.0 |")
        .contains("| 1 node, 100-event requests × 32 in flight | 20,000 events/s |")
        .contains("p50 10 ms, p99 40 ms at 10,000 events/s offered")
        // 3 nodes: (90 + 30) / 2 M = 60 per million, ÷ 25
        .contains("÷ the 1-node figure | 2.40 |")
        .contains("steady state, same events | **0.100** |")
        .contains("| true |")
        // rate over the interval the CPU was measured in: 2 M events in 43 s; Flink 2 M in 4 s net
        .contains("over the same interval as the CPU: 46,512 events/s (1 node), 500,000 events/s (Flink, net runtime)")
        .doesNotContain("Replicated store");
  }

  @Test
  void aReplicatedStoreRunIsComparedWithTheOneNodeStoreRun() {
    FlinkClicks.Run flink = new FlinkClicks.Run(Map.of("u1|0", "1/5"), 4_000, 5_000, 500_000, List.of(), List.of());
    String report = new ClicksReport(2_000_000, 2_000, 1_000, 1_000, 500, 24_500, 8, 16).render(flink, flink, List.of(500_000.0), 8, 700,
        outcome(1, 50_000, 30, 20), null, null, null, outcome(1, 25_000, 40, 60), List.of());
    assertThat(report)
        .contains("| 1 node, RF 1 | 50,000 | 10 / 40 / 80 ms | 15.0 / 10.0 | 900 MiB | true |")
        .contains("| 3 nodes, RF 3 | 25,000 | 10 / 40 / 80 ms | 20.0 / 30.0 | 900 MiB | true |")
        // (40 + 60) / (30 + 20)
        .contains("RF 3 ÷ RF 1: 0.50 × the events/s, 2.00 × the CPU per event (node + store).");
  }

  @Test
  void theMarkdownNamesThePageAndThePageHasASectionPerRunGiven() {
    FlinkClicks.Run flink = new FlinkClicks.Run(Map.of("u1|0", "1/5"), 4_000, 5_000, 500_000,
        List.of(new LoadTimeline.Point(0.1, 0), new LoadTimeline.Point(0.2, 400_000)),
        List.of(new LoadTimeline.Mark(0.15, "10 %: steady window begins")));
    ClicksReport clicks = new ClicksReport(2_000_000, 2_000, 1_000, 1_000, 500, 24_500, 8, 16);
    KeyflowBenchRun.Outcome one = outcome(1, 50_000, 30, 20);

    assertThat(clicks.render(flink, flink, List.of(500_000.0), 8, 700, one, null, null, null, null, List.of()))
        .contains("`" + LocalDate.now() + ".html`");
    String html = clicks.html(flink, one, null, outcome(1, 20_000, 10, 10), outcome(1, 10_000, 10, 10), null,
        List.of(new BenchPage.Section("Chaos: kill", "scenario=kill ok=true", null, "")));
    List<String> parts = List.of(html.split("<h2>"));
    assertThat(parts.subList(1, parts.size())).extracting(part -> part.substring(0, part.indexOf('<')))
        .containsExactly("Apache Flink 2.3 (median warm run)", "Keyflow, 1 node, 1,000-event requests × 8 in flight",
            "Keyflow, 1 node, 100-event requests × 32 in flight",
            "Keyflow, 1 node, 100-event requests, open loop at half that rate", "Chaos: kill");
    assertThat(html).contains("500,000 events/s steady", "10 %: steady window begins");
  }
}
