package io.keyflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.keyflow.examples.CountWithTimeout;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import org.junit.jupiter.api.Test;

class JavaPipelineConfigTest {

  /** Builds a pipeline whose state type the codec refuses. */
  public static final class BadStateProvider implements PipelineProvider {
    @Override
    public Pipeline pipeline() {
      return Pipeline.named("bad").keyBy("key").process(new PipelineHarnessTest.BadState());
    }
  }

  private static PipelineDefinition parse(String hocon) {
    return PipelineConfig.parseAll(ConfigFactory.parseString(hocon), "keyflow.pipelines").values().iterator().next();
  }

  @Test
  void aClassPipelineIsBuiltByItsProvider() {
    PipelineDefinition quiet = parse("keyflow.pipelines.quiet-users.class = \"io.keyflow.examples.CountWithTimeout\"");
    assertThat(quiet.name()).isEqualTo("quiet-users");
    assertThat(quiet.isProcessStage()).isTrue();
    assertThat(quiet.functions().process()).isInstanceOf(CountWithTimeout.CountWithTimeoutFunction.class);
    PipelineDefinition letters = parse("keyflow.pipelines.letters.class = \"io.keyflow.examples.LetterWindows\"");
    assertThat(letters.window()).isEqualTo(new WindowSpec.Tumbling(5_000, 0));
  }

  @Test
  void badClassPipelinesAreRefusedNamingTheKeyAndTheProblem() {
    assertThatThrownBy(() -> parse("keyflow.pipelines.x.class = \"com.acme.Missing\""))
        .hasMessageStartingWith("keyflow.pipelines.x.class: ").hasMessageContaining("not on the node's classpath");
    assertThatThrownBy(() -> parse("keyflow.pipelines.x.class = \"java.lang.String\""))
        .hasMessageContaining("does not implement io.keyflow.pipeline.PipelineProvider");
    assertThatThrownBy(() -> parse("keyflow.pipelines.other.class = \"io.keyflow.examples.CountWithTimeout\""))
        .hasMessageContaining("builds pipeline 'quiet-users', not 'other'");
    assertThatThrownBy(() -> parse("keyflow.pipelines.quiet-users { class = \"io.keyflow.examples.CountWithTimeout\", max-key-groups = 4 }"))
        .hasMessageStartingWith("keyflow.pipelines.quiet-users.max-key-groups: ");
    assertThatThrownBy(() -> parse("keyflow.pipelines.bad.class = \"" + BadStateProvider.class.getName() + "\""))
        .hasMessageStartingWith("keyflow.pipelines.bad.class: ").hasMessageContaining("value state 'runnable'");
  }
}
