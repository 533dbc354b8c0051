package io.keyflow.node.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.keyflow.node.metrics.FigureHistory;
import io.keyflow.node.metrics.NodeFigures;
import io.keyflow.node.metrics.StageFigures;
import io.keyflow.persistence.results.CassandraResultsStore;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.ClusterView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The API's answers as they are serialized today, byte for byte: field order, {@code 5} against
 * {@code 5.0}, nulls and absent fields. Pinned before the hand-built views give way to Jackson
 * marshalling, so that a change of any answer is a decision, not an accident.
 */
class JsonViewsGoldenTest {

  /** The answers' files, one JSON text each (no newline at the end). */
  private static final Path GOLDEN = Path.of("src/test/resources/golden");

  private static String json(JsonNode node) throws Exception {
    return JsonViews.MAPPER.writeValueAsString(node);
  }

  /**
   * {@code node} serialized must be the file's text exactly. {@code -Dgolden.update=true} writes the
   * files instead, for a change of an answer that is meant (review the diff).
   */
  private static void assertGolden(String name, JsonNode node) throws Exception {
    Path file = GOLDEN.resolve(name + ".json");
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, json(node));
    }
    assertThat(json(node)).as("the answer pinned in %s", file).isEqualTo(Files.readString(file));
  }

  private static Map<String, PipelineDefinition> pipelines() {
    return PipelineConfig.parseAll(ConfigFactory.parseString("""
        keyflow.pipelines {
          clicks { key-field = user, max-out-of-orderness = 2s, max-key-groups = 16,
            window { type = tumbling, size = 10s },
            aggregations = [ { name = n, fn = count }, { name = amount, fn = sum, field = amount } ] }
          visits { key-field = page, time-field = at, allowed-lateness = 5s, late-output = late, idle-timeout = 30s,
            window { type = sliding, size = 1m, slide = 10s },
            aggregations = [ { name = top, fn = max, field = ms } ] }
          sessions { key-field = user, window { type = session, gap = 30s }, aggregations = [ { name = n, fn = count } ] }
          staged { stages = [
            { name = counts, key-field = item, window { type = tumbling, size = 10s }, aggregations = [ { name = n, fn = count } ] }
            { name = busiest, key-field = window_start, window { type = tumbling, size = 10s },
              aggregations = [ { name = top, fn = max, field = n } ] } ] }
        }
        """), "keyflow.pipelines");
  }

  @Test
  void errorsCarryTheLineOnlyWhenThereIsOne() throws Exception {
    assertThat(json(JsonViews.error("bad \"ts\"", 3))).isEqualTo("{\"error\":\"bad \\\"ts\\\"\",\"line\":3}");
    assertThat(json(JsonViews.error("unknown pipeline 'x'", null))).isEqualTo("{\"error\":\"unknown pipeline 'x'\"}");
  }

  @Test
  void resultsKeepTheirValuesOrderAndNumberKinds() throws Exception {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("n", 5L);
    values.put("sum", 5.0);
    values.put("avg", 2.5);
    values.put("int", 7);
    values.put("none", null);
    assertGolden("results", JsonViews.results(List.of(new WindowResult("u1", 1_000, 11_000, values))));
  }

  @Test
  void keyStateShowsANullWatermarkBeforeTheFirstAndErrorsOnlyWhenThereAreSome() throws Exception {
    Map<String, Object> state = new TreeMap<>();
    state.put("count", 3L);
    state.put("last", "a");
    var fresh = new KeyGroupEntity.KeyStateView("u1", 7, Long.MIN_VALUE, List.of(), 0, 0, Map.of(), 0, null);
    var busy = new KeyGroupEntity.KeyStateView("u2", 9, 10_999, List.of(new WindowResult("u2", 0, 10_000, Map.of("n", 2L))),
        120, 4, state, 2, "aggregate: / by zero");
    assertGolden("key-state-fresh", JsonViews.keyState(fresh));
    assertGolden("key-state-busy", JsonViews.keyState(busy));
  }

  @Test
  void lateRecordsComeBackInTheShapeOfTheirEvents() throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("ms", 12.5);
    fields.put("hits", 3L);
    var late = List.of(new CassandraResultsStore.LateRecord(2, 14, new Record("/home", 59_000, fields)));
    assertGolden("late-records", JsonViews.lateRecords(pipelines().get("visits"), late));
  }

  @Test
  void pipelinesDescribeTheirWindowsFunctionsAndStages() throws Exception {
    Map<String, PipelineDefinition> pipelines = pipelines();
    assertGolden("pipeline-clicks", JsonViews.pipeline(pipelines.get("clicks")));
    assertGolden("pipeline-visits", JsonViews.pipeline(pipelines.get("visits")));
    assertGolden("pipeline-sessions", JsonViews.pipeline(pipelines.get("sessions")));
    assertGolden("pipeline-staged", JsonViews.pipeline(pipelines.get("staged")));
  }

  @Test
  void theClusterListsMembersPlacementAndHolders() throws Exception {
    String a = "pekko://keyflow@127.0.0.2:25520";
    String b = "pekko://keyflow@127.0.0.3:25520";
    Map<Integer, String> holders = new TreeMap<>(Map.of(0, a, 1, b, 2, a));
    assertGolden("cluster", JsonViews.cluster(a,
        List.of(new ClusterView.MemberInfo(a, "Up", true, true), new ClusterView.MemberInfo(b, "Up", false, false)),
        List.of(new ClusterView.Placement("clicks", "main", 4, holders, 1))));
  }

  @Test
  void clusterFiguresWriteNaNAsNull() throws Exception {
    FigureHistory history = new FigureHistory(10, 10, 5_000, 60_000);
    String a = "pekko://keyflow@127.0.0.2:25520";
    history.add(a, new NodeFigures(10_000, 250.0, Map.of("200", 2.5, "503", 1.0), 1.0, 12.5, Double.NaN, 3.25, 64, 1,
        0.75, 6, List.of(new StageFigures("clicks", "main", 64, 1_700_000_030.0,
            List.of(new StageFigures.Watermark(5, 1_700_000_000.0)), 8.0, Double.NaN, Double.NaN))));
    history.mark(9_500, "down", a + " downed");
    assertGolden("cluster-figures", JsonViews.figures(history, 11_000));
  }

}
