package io.keyflow.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StageLagTest {

  private static final String A = "pekko://keyflow@127.0.0.2:25520";
  private static final String B = "pekko://keyflow@127.0.0.3:25520";

  private static NodeFigures at(long millis, StageFigures... stages) {
    return new NodeFigures(millis, 0, Map.of(), 0, Double.NaN, Double.NaN, Double.NaN, 0, 0, Double.NaN, 0, List.of(stages));
  }

  private static StageFigures clicks(int keyGroups, double maxEventTime, double written, StageFigures.Watermark... slowest) {
    return new StageFigures("clicks", "main", keyGroups, maxEventTime, List.of(slowest), Double.NaN, written, Double.NaN);
  }

  private static StageFigures.Watermark wm(int keyGroup, double seconds) {
    return new StageFigures.Watermark(keyGroup, seconds);
  }

  @Test
  void aKeyGroupsLagIsItsWatermarkBehindTheHighestEventTimeOfTheStageOnAnyNode() {
    // Node A's key groups have seen up to 1,000 s; node B's are ahead, at 1,100 s. A's key group 3
    // is 30 s behind its own node's highest event time but 130 s behind the stage's.
    Map<String, List<NodeFigures>> nodes = Map.of(
        A, List.of(at(10_000, clicks(2, 1_000, Double.NaN, wm(3, 970), wm(4, 990)))),
        B, List.of(at(10_000, clicks(3, 1_100, Double.NaN, wm(7, 1_070), wm(8, 1_080), wm(9, 1_090)))));

    StageLag.Row row = StageLag.of(nodes, Set.of(A, B), 10_500, 10_000).get(0);

    assertThat(row.keyGroups()).isEqualTo(5);
    assertThat(row.lagSeconds()).isEqualTo(130.0);
    assertThat(row.slowest()).containsExactly(new StageLag.Slow(A, 3, 130), new StageLag.Slow(A, 4, 110),
        new StageLag.Slow(B, 7, 30), new StageLag.Slow(B, 8, 20), new StageLag.Slow(B, 9, 10));
  }

  @Test
  void aKeyGroupInTheLastFiguresOfTwoNodesCountsWhereItWasReportedLast() {
    // Key group 3 moved from A to B: A's last figures (older) still list it with an old watermark.
    Map<String, List<NodeFigures>> nodes = Map.of(
        A, List.of(at(9_000, clicks(1, 1_000, Double.NaN, wm(3, 900)))),
        B, List.of(at(10_000, clicks(1, 1_000, Double.NaN, wm(3, 990)))));

    StageLag.Row row = StageLag.of(nodes, Set.of(A, B), 10_500, 10_000).get(0);

    assertThat(row.slowest()).containsExactly(new StageLag.Slow(B, 3, 10));
    assertThat(row.lagSeconds()).isEqualTo(10.0);
  }

  @Test
  void processingLagIsTheWorstSecondOfAnyCurrentNodeInTheWindow() {
    Map<String, List<NodeFigures>> nodes = Map.of(
        A, List.of(at(1_000, clicks(1, 1_000, 900)), at(8_000, clicks(1, 1_000, 40)), at(9_000, clicks(1, 1_000, Double.NaN))),
        B, List.of(at(9_000, clicks(1, 1_000, 70))),
        // A node that is no longer current (it left) counts for nothing.
        "pekko://keyflow@127.0.0.4:25520", List.of(at(9_000, clicks(1, 1_000, 5_000))));

    StageLag.Row row = StageLag.of(nodes, Set.of(A, B), 10_000, 5_000).get(0);

    assertThat(row.writtenP99Ms()).isEqualTo(70.0);
    assertThat(row.keyGroups()).isEqualTo(2);
    assertThat(row.appliedP99Ms()).isNaN();
  }

  @Test
  void aStageWithoutEventTimeYetHasNoLag() {
    Map<String, List<NodeFigures>> nodes = Map.of(A, List.of(at(1_000, clicks(4, Double.NaN, Double.NaN))));

    StageLag.Row row = StageLag.of(nodes, Set.of(A), 1_000, 10_000).get(0);

    assertThat(row.lagSeconds()).isNaN();
    assertThat(row.slowest()).isEmpty();
    assertThat(row.keyGroups()).isEqualTo(4);
  }
}
