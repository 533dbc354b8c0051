package io.keyflow.loadtests.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AbBenchTest {

  private static final Path HOME = Path.of("/work/new");

  private static AbBench.Options options() {
    return AbBench.Options.parse(new String[] {"--base", "/work/base", "--rounds", "2"}, HOME);
  }

  @Test
  void optionsNeedABaseOtherThanTheNewCheckout() {
    assertThatThrownBy(() -> AbBench.Options.parse(new String[] {"--rounds", "2"}, HOME))
        .hasMessageContaining("--base");
    assertThatThrownBy(() -> AbBench.Options.parse(new String[] {"--base", "/work/new"}, HOME))
        .hasMessageContaining("same checkout");
    assertThatThrownBy(() -> AbBench.Options.parse(new String[] {"--base", "/b", "--rounds", "0"}, HOME))
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> AbBench.Options.parse(new String[] {"--base", "/b", "--speed"}, HOME))
        .hasMessageContaining("needs a value");
    assertThatThrownBy(() -> AbBench.Options.parse(new String[] {"--base", "/b", "--nodes", "6"}, HOME))
        .hasMessageContaining("at most 5");
    assertThat(AbBench.Options.parse(new String[] {"--base", "/b", "--nodes", "3"}, HOME).nodes()).isEqualTo(3);
    AbBench.Options open = AbBench.Options.parse(new String[] {"--base", "/b", "--rate", "8000"}, HOME);
    assertThat(open.rate()).isEqualTo(8_000);
    assertThat(AbBench.report(open, List.of())).contains("open loop at 8,000 events/s offered");
    assertThat(AbBench.report(options(), List.of())).doesNotContain("open loop");
    AbBench.Options o = options();
    assertThat(o.rounds()).isEqualTo(2);
    assertThat(o.nodes()).isEqualTo(1);
    assertThat(o.rate()).isZero();
    assertThat(o.current()).isEqualTo(HOME);
    assertThat(o.report().toString()).startsWith("/work/new/load-tests/target/bench/ab-");
    // The bench's bound: disorder 500 ms plus 3 × 8 requests × 1,000 events of 1 ms.
    assertThat(o.boundMs()).isEqualTo(24_500);
  }

  @Test
  void theReportGivesEveryRunAndPerSideTheMedianAndRange() {
    List<AbBench.Run> runs = List.of(
        new AbBench.Run("base", 1, 30_000, 20, 30, 5, 200, 600),
        new AbBench.Run("new", 1, 40_000, 15, 20, 4, 150, 400),
        new AbBench.Run("new", 2, 44_000, 14, 18, 2, 140, 380),
        new AbBench.Run("base", 2, 34_000, 18, 28, 6, 190, 550));
    String report = AbBench.report(options(), runs);
    assertThat(report).contains("| 1 | base | 30,000 | 50.0 | 20.0 | 30.0 | 5.0 | 45.0 | 200 / 600 |");
    assertThat(report).contains("| 4 | base | 34,000 | 46.0 |");
    assertThat(report).contains("| base | 2 | 32,000 (30,000–34,000) | 48.0 (46.0–50.0) | 42.5 (40.0–45.0) |");
    assertThat(report).contains("| new | 2 | 42,000 (40,000–44,000) | 33.5 (32.0–35.0) | 30.5 (30.0–31.0) |");
    assertThat(report).contains("events/s 1.31, CPU per event 0.70").contains("do not overlap")
        .contains("faster than base in 2 of 2 rounds");
  }

  @Test
  void overlappingRangesAreCalledWithinTheSpread() {
    List<AbBench.Run> runs = List.of(
        new AbBench.Run("base", 1, 30_000, 20, 30, 5, 200, 600),
        new AbBench.Run("new", 1, 31_000, 20, 30, 5, 200, 600),
        new AbBench.Run("new", 2, 29_000, 20, 30, 5, 200, 600),
        new AbBench.Run("base", 2, 33_000, 20, 30, 5, 200, 600));
    assertThat(AbBench.report(options(), runs)).contains("overlap: the difference is within")
        .contains("faster than base in 1 of 2 rounds");
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(AbBench.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(AbBench.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }
}
