package io.keyflow.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.node.json.JsonViews;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FigureHistoryTest {

  private static NodeFigures at(long millis, double acked) {
    return new NodeFigures(millis, acked, Map.of("200", acked / 100), 0, 5, 20, 3, 40, 0, Double.NaN, 0, List.of());
  }

  @Test
  void keepsTheLastPointsOfEachNodeInOrderAndTheLastMarks() {
    FigureHistory history = new FigureHistory(3, 2, 5_000, 60_000);
    for (int s = 1; s <= 5; s++) {
      history.add("node-1", at(s * 1_000L, s * 100));
    }
    history.add("node-2", at(4_000, 7));
    history.add("node-2", at(3_000, 9)); // older than its last: ignored
    history.mark(2_500, "member-down", "node-3 unreachable");
    history.mark(3_500, "member-removed", "node-3 removed");
    history.mark(4_500, "moved", "12 key groups to node-1");

    assertThat(history.nodes().get("node-1")).extracting(NodeFigures::atMillis).containsExactly(3_000L, 4_000L, 5_000L);
    assertThat(history.nodes().get("node-2")).extracting(NodeFigures::ackedPerSecond).containsExactly(7.0);
    assertThat(history.marks()).extracting(FigureHistory.Mark::kind).containsExactly("member-removed", "moved");
  }

  @Test
  void aNodeThatFellSilentIsNoLongerCurrentButItsPointsStayUntilTheyAreOld() {
    FigureHistory history = new FigureHistory(10, 10, 5_000, 30_000);
    history.add("node-1", at(100_000, 1));
    history.add("node-3", at(90_000, 1));
    history.mark(95_000, "member-removed", "node-3 removed");

    history.forgetOld(100_500);
    assertThat(history.current(100_500)).containsExactly("node-1");
    assertThat(history.nodes()).containsOnlyKeys("node-1", "node-3");
    history.forgetOld(121_000);
    assertThat(history.nodes()).containsOnlyKeys("node-1");
    assertThat(history.marks()).hasSize(1);
  }

  @Test
  void theJsonHasEveryNodesPointsOldestFirstAndTheMarksWithNaNAsNull() {
    FigureHistory history = new FigureHistory(10, 10, 5_000, 30_000);
    history.add("pekko://keyflow@127.0.0.2:25520", at(1_000, 300));
    history.add("pekko://keyflow@127.0.0.2:25520",
        new NodeFigures(2_000, 0, Map.of(), 0, Double.NaN, Double.NaN, Double.NaN, 40, 2, 1.25, 0, List.of()));
    history.mark(1_500, "removed", "pekko://keyflow@127.0.0.3:25520 removed");

    var json = JsonViews.figures(history, 3_000);
    assertThat(json.get("current").get(0).asText()).isEqualTo("pekko://keyflow@127.0.0.2:25520");
    var points = json.get("nodes").get("pekko://keyflow@127.0.0.2:25520");
    assertThat(points).hasSize(2);
    assertThat(points.get(0).get("at").asLong()).isEqualTo(1_000);
    assertThat(points.get(0).get("acked_per_s").asDouble()).isEqualTo(300.0);
    assertThat(points.get(0).get("answers_per_s").get("200").asDouble()).isEqualTo(3.0);
    assertThat(points.get(1).get("ack_p99_ms").isNull()).isTrue();
    assertThat(points.get(1).get("recoveries").asInt()).isEqualTo(2);
    assertThat(points.get(1).get("slowest_recovery_s").asDouble()).isEqualTo(1.25);
    assertThat(json.get("marks").get(0).get("kind").asText()).isEqualTo("removed");
    assertThat(json.get("marks").get(0).get("at").asLong()).isEqualTo(1_500);
  }

  @Test
  void refusesAHistoryThatKeepsNothing() {
    assertThatThrownBy(() -> new FigureHistory(0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
