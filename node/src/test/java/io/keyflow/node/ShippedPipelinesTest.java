package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pipelines files shipped in cluster-config/ stay valid. */
class ShippedPipelinesTest {

  private static Map<String, PipelineDefinition> parse(String file) {
    return PipelineConfig.parseAll(
        ConfigFactory.parseFile(Path.of("..", "cluster-config", file).toFile()).resolve(), "keyflow.pipelines");
  }

  @Test
  void shippedAndExamplePipelinesParse() {
    assertThat(parse("pipelines.conf")).containsOnlyKeys("clicks");
    Map<String, PipelineDefinition> examples = parse("examples.conf");
    assertThat(examples).containsOnlyKeys("letters", "quiet-users", "pages");
    assertThat(examples.get("quiet-users").isProcessStage()).isTrue();
    assertThat(examples.get("pages").stages()).extracting(PipelineDefinition::stage).containsExactly("per-page", "per-minute");
  }

  @Test
  void nexmarkQueriesLoadFromTheirProviders() {
    Map<String, PipelineDefinition> nexmark = parse("nexmark.conf");
    assertThat(nexmark).containsOnlyKeys("nexmark-q0", "nexmark-q4", "nexmark-q5", "nexmark-q7", "nexmark-q11");
    assertThat(nexmark.get("nexmark-q4").stages()).extracting(PipelineDefinition::stage).containsExactly("main", "avg");
    assertThat(nexmark.get("nexmark-q5").stages()).extracting(PipelineDefinition::stage).containsExactly("main", "hot");
    assertThat(nexmark.get("nexmark-q11").stages()).hasSize(1);
  }
}
