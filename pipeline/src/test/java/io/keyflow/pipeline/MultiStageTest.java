package io.keyflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.testkit.PipelineTestHarness;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MultiStageTest {

  /** Count per item per 10 s window, then the top item per window. */
  static Pipeline topItems() {
    return Pipeline.named("top-items").maxKeyGroups(8).keyBy("item")
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .aggregate(Aggregations.count("n"))
        .then("top").keyBy(e -> "all")
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .reduce((a, b) -> b.longValue("n") > a.longValue("n")
            || (b.longValue("n") == a.longValue("n") && b.string("key").compareTo(a.string("key")) < 0) ? b : a);
  }

  private static Map<String, Object> click(String item, long ts) {
    return Map.of("item", item, "ts", ts);
  }

  @Test
  void theSecondStageReadsTheFirstStagesResultsReKeyed() {
    var h = PipelineTestHarness.of(topItems());
    h.processElements(List.of(click("pen", 1_000), click("ink", 2_000), click("pen", 3_000), click("cup", 4_000),
        click("ink", 5_000), click("pen", 9_999)));
    assertThat(h.results("main")).isEmpty();
    h.processWatermark(9_999);
    assertThat(h.results("main")).extracting(r -> r.key() + "=" + r.values().get("n"))
        .containsExactlyInAnyOrder("pen=3", "ink=2", "cup=1");
    // the three results entered stage "top" at ts 9_999 under key "all"; its window fires on the same watermark
    assertThat(h.results()).singleElement().satisfies(r -> {
      assertThat(r.key()).isEqualTo("all");
      assertThat(r.windowStart()).isZero();
      assertThat(r.values()).containsEntry("key", "pen").containsEntry("n", 3L)
          .containsEntry("window_start", 0L).containsEntry("window_end", 10_000L).containsEntry("ts", 9_999L);
    });
  }

  @Test
  void dataAloneMovesEachStagesOwnWatermark() {
    var h = PipelineTestHarness.of(topItems());
    h.processElements(List.of(click("pen", 1_000), click("ink", 2_000), click("ink", 3_000)));
    h.processElements(List.of(click("pen", 11_000), click("ink", 12_000))); // fires [0,10) only in groups that saw 11_000+
    h.processElements(List.of(click("pen", 25_000), click("ink", 26_000)));
    // stage top saw results at 9_999 and 19_999: its watermark 19_998 closed [0, 10 s)
    assertThat(h.results()).extracting(r -> r.windowStart() + ":" + r.values().get("key")).startsWith("0:ink");
  }

  @Test
  void hoconStagesBuildTheSameChain() {
    var config = ConfigFactory.parseString("""
        keyflow.pipelines.items {
          max-key-groups = 16
          stages = [
            { name = counts, key-field = item, window { type = tumbling, size = 10s }, aggregations = [ { name = n, fn = count } ] }
            { name = busiest, key-field = window_start, idle-timeout = 5s,
              window { type = tumbling, size = 10s }, aggregations = [ { name = top, fn = max, field = n } ] }
          ]
        }
        """);
    PipelineDefinition items = PipelineConfig.parseAll(config, "keyflow.pipelines").get("items");
    assertThat(items.stages()).extracting(PipelineDefinition::stage).containsExactly("counts", "busiest");
    assertThat(items.lastStage().maxKeyGroups()).isEqualTo(16);
    assertThat(items.lastStage().idleTimeout()).isEqualTo(5_000);
    var h = PipelineTestHarness.of(items);
    h.processElements(List.of(Map.of("item", "a", "ts", 1L), Map.of("item", "a", "ts", 2L), Map.of("item", "b", "ts", 3L)));
    h.processWatermark(10_000);
    assertThat(h.results()).containsExactly(new WindowResult("0", 0, 10_000, Map.of("top", 2L)));
  }

  @Test
  void badStageDeclarationsNameTheirPath() {
    assertThatThrownBy(() -> PipelineConfig.parseAll(ConfigFactory.parseString(
        "keyflow.pipelines.p { key-field = x, stages = [ { name = a, window { type = tumbling, size = 1s }, aggregations = [ { fn = count } ] } ] }"),
        "keyflow.pipelines")).hasMessageStartingWith("keyflow.pipelines.p.key-field: with stages");
    assertThatThrownBy(() -> PipelineConfig.parseAll(ConfigFactory.parseString(
        "keyflow.pipelines.p { stages = [ { name = a, window { type = tumbling, size = 1s }, aggregations = [ { fn = count } ] },"
            + " { name = a, window { type = tumbling, size = 1s }, aggregations = [ { fn = count } ] } ] }"),
        "keyflow.pipelines")).hasMessageContaining("stages[0]").hasMessageContaining("'a' is used twice");
    assertThatThrownBy(() -> PipelineConfig.parseAll(ConfigFactory.parseString(
        "keyflow.pipelines.p { stages = [ { name = a, window { type = hopping, size = 1s }, aggregations = [ { fn = count } ] } ] }"),
        "keyflow.pipelines")).hasMessageStartingWith("keyflow.pipelines.p.stages[0].window.type: ");
  }
}
