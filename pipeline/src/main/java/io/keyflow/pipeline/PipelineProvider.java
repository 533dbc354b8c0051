package io.keyflow.pipeline;

/**
 * Deploys a Java pipeline: a public class with a public no-argument constructor, named in the node's
 * configuration as {@code keyflow.pipelines.<name>.class = "com.acme.MyPipeline"} and found on the
 * node's classpath. The pipeline's name must equal {@code <name>}.
 */
public interface PipelineProvider {

  /** Builds the pipeline. Called once when the node starts. */
  Pipeline pipeline();
}
