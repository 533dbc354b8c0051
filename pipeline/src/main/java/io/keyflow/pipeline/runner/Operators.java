package io.keyflow.pipeline.runner;

import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
import io.keyflow.pipeline.internal.process.ProcessOperator;
import io.keyflow.pipeline.internal.window.WindowOperator;

/**
 * Creates the operator of a stage. Kept out of {@link StageOperator}, the engine's contract, because
 * choosing an implementation means knowing the internal operators, which depend on that contract:
 * with the factory here, the engine depends only on the user API and the internals only on the engine.
 */
public final class Operators {

  private Operators() {}

  /** The operator for {@code definition}'s stage, serving key group {@code keyGroup}. */
  public static StageOperator create(PipelineDefinition definition, int keyGroup) {
    return definition.isProcessStage() ? new ProcessOperator(definition, keyGroup) : new WindowOperator(definition);
  }
}
