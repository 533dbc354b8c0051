package io.keyflow.node.results;

import io.keyflow.pipeline.engine.PipelineDefinition;

/** Which stage names a pipeline's results can be read (and delivered) under: one rule for the API and webhooks. */
public final class ResultStages {

  private ResultStages() {}

  /**
   * A stage of the pipeline; in a Java pipeline also any valid name, since side outputs are stored
   * under tag names only the user code knows (an unknown one reads as nothing).
   */
  public static boolean known(PipelineDefinition p, String stage) {
    return p.stageNamed(stage) != null
        || (p.stages().stream().anyMatch(PipelineDefinition::keepsAllFields) && PipelineDefinition.NAME.matcher(stage).matches());
  }
}
