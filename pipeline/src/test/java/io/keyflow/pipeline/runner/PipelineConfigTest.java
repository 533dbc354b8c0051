package io.keyflow.pipeline.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineConfigTest {

  @Test
  void readsTheDemoPipeline() {
    var config = ConfigFactory.parseString("""
        keyflow.pipelines.clicks {
          key-field = "user"
          time-field = "ts"
          max-out-of-orderness = 2s
          window { type = tumbling, size = 10s }
          aggregations = [ { name = n, fn = count }, { name = amount, fn = sum, field = amount } ]
        }
        """);
    Map<String, PipelineDefinition> all = PipelineConfig.parseAll(config, "keyflow.pipelines");
    PipelineDefinition clicks = all.get("clicks");
    assertThat(clicks.keyField()).isEqualTo("user");
    assertThat(clicks.maxOutOfOrderness()).isEqualTo(2000);
    assertThat(clicks.maxKeyGroups()).isEqualTo(128);
    assertThat(clicks.window()).isEqualTo(new WindowSpec.Tumbling(10_000, 0));
    assertThat(clicks.aggregations()).containsExactly(
        Aggregation.count("n"), Aggregation.of("amount", Aggregation.Function.SUM, "amount"));
    assertThat(clicks.numericFields()).containsExactly("amount");
  }

  @Test
  void readsSlidingAndSessionWindows() {
    var config = ConfigFactory.parseString("""
        keyflow.pipelines {
          a { window { type = sliding, size = 10s, slide = 5s }, aggregations = [ { fn = max, field = price } ] }
          b { window { type = session, gap = 30s }, aggregations = [ { name = c, fn = count } ] }
        }
        """);
    Map<String, PipelineDefinition> all = PipelineConfig.parseAll(config, "keyflow.pipelines");
    assertThat(all.get("a").window()).isEqualTo(new WindowSpec.Sliding(10_000, 5_000, 0));
    assertThat(all.get("a").aggregations().get(0).name()).isEqualTo("max_price");
    assertThat(all.get("a").keyField()).isEqualTo("key");
    assertThat(all.get("b").window()).isEqualTo(new WindowSpec.Session(30_000));
  }

  @Test
  void readsLateOutputAndIdleTimeout() {
    var config = ConfigFactory.parseString("""
        keyflow.pipelines {
          a { late-output = late-a, idle-timeout = 30s, window { type = tumbling, size = 1s, time = event }, aggregations = [ { fn = count } ] }
          b { idle-timeout = off, window { type = tumbling, size = 1s }, aggregations = [ { fn = count } ] }
        }
        """);
    var all = PipelineConfig.parseAll(config, "keyflow.pipelines");
    assertThat(all.get("a").lateOutput()).isEqualTo("late-a");
    assertThat(all.get("a").idleTimeout()).isEqualTo(30_000);
    assertThat(all.get("b").lateOutput()).isNull();
    assertThat(all.get("b").idleTimeout()).isZero();
    assertThat(all.get("a").processingTime()).isFalse();
    var pt = ConfigFactory.parseString(
        "keyflow.pipelines.c { window { type = sliding, size = 2s, slide = 1s, time = processing }, aggregations = [ { fn = count } ] }");
    assertThat(PipelineConfig.parseAll(pt, "keyflow.pipelines").get("c").processingTime()).isTrue();
  }

  @Test
  void errorsNameTheBadKey() {
    assertBad("x { window { type = tumbling, size = 1s, time = wall }, aggregations = [ { fn = count } ] }",
        "keyflow.pipelines.x.window.time");
    assertBad("x { window { type = tumbling, size = 1s, length = 2 }, aggregations = [ { fn = count } ] }",
        "keyflow.pipelines.x.window.length");
    assertBad("x { idle-timeout = 0s, window { type = tumbling, size = 1s }, aggregations = [ { fn = count } ] }",
        "keyflow.pipelines.x.idle-timeout");
    assertBad("x { window { type = hopping, size = 1s }, aggregations = [ { fn = count } ] }",
        "keyflow.pipelines.x.window.type");
    assertBad("x { window { type = tumbling }, aggregations = [ { fn = count } ] }",
        "keyflow.pipelines.x.window.size");
    assertBad("x { window { type = tumbling, size = soon }, aggregations = [ { fn = count } ] }",
        "keyflow.pipelines.x.window.size");
    assertBad("x { window { type = tumbling, size = 1s }, aggregations = [ { fn = median, field = a } ] }",
        "keyflow.pipelines.x.aggregations[0].fn");
    assertBad("x { window { type = tumbling, size = 1s }, aggregations = [ { fn = count }, { fn = sum } ] }",
        "keyflow.pipelines.x.aggregations[1]");
    assertBad("x { window { type = tumbling, size = 1s }, aggregations = [ { fn = count } ], colour = red }",
        "keyflow.pipelines.x.colour");
    assertBad("x { aggregations = [ { fn = count } ] }", "keyflow.pipelines.x.window");
    assertBad("x { window { type = tumbling, size = 1s } }", "keyflow.pipelines.x.aggregations");
    assertBad("x = 3", "keyflow.pipelines.x");
    assertBad("\"1x\" { window { type = tumbling, size = 1s }, aggregations = [ { fn = count } ] }",
        "keyflow.pipelines.1x");
  }

  private static void assertBad(String pipelines, String path) {
    var config = ConfigFactory.parseString("keyflow.pipelines { " + pipelines + " }");
    assertThatThrownBy(() -> PipelineConfig.parseAll(config, "keyflow.pipelines"))
        .isInstanceOf(PipelineConfig.InvalidPipelineException.class)
        .satisfies(e -> assertThat(((PipelineConfig.InvalidPipelineException) e).path()).isEqualTo(path))
        .hasMessageStartingWith(path + ": ");
  }
}
