package io.keyflow.pipeline.runner;

import static io.keyflow.pipeline.runner.ConfigValues.string;

import com.typesafe.config.Config;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.runner.PipelineConfig.InvalidPipelineException;
import io.keyflow.pipeline.engine.PipelineDefinition;

/**
 * {@code keyflow.pipelines.<name>.class = "com.acme.MyPipeline"}: a Java pipeline, loaded from the
 * node's classpath and built; its stage operator is created once here so that its user functions and
 * state types fail when the node starts rather than at the first record.
 */
final class ClassSection {

  private ClassSection() {}

  /**
   * {@code class = "com.acme.MyPipeline"}: a {@link PipelineProvider} on the classpath, with a public
   * no-argument constructor, whose pipeline has this name. The class says everything else.
   */
  static PipelineDefinition parse(String name, Config c, String path) {
    for (String key : c.root().keySet()) {
      if (!key.equals("class")) {
        throw new InvalidPipelineException(path + "." + key,
            "a Java pipeline (class = ...) is configured in its code; remove this key");
      }
    }
    String className = string(c, "class", null, path);
    String classPath = path + ".class";
    Class<?> type;
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      type = Class.forName(className, true, loader == null ? PipelineConfig.class.getClassLoader() : loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new InvalidPipelineException(classPath, "class " + className + " is not on the node's classpath");
    }
    if (!PipelineProvider.class.isAssignableFrom(type)) {
      throw new InvalidPipelineException(classPath, className + " does not implement " + PipelineProvider.class.getName());
    }
    Pipeline pipeline;
    try {
      pipeline = ((PipelineProvider) type.getConstructor().newInstance()).pipeline();
    } catch (NoSuchMethodException e) {
      throw new InvalidPipelineException(classPath, className + " has no public no-argument constructor");
    } catch (ReflectiveOperationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new InvalidPipelineException(classPath, "building the pipeline failed: " + cause);
    } catch (RuntimeException e) {
      throw new InvalidPipelineException(classPath, "building the pipeline failed: " + e.getMessage());
    }
    if (pipeline == null || !pipeline.name().equals(name)) {
      throw new InvalidPipelineException(classPath, className + " builds pipeline '"
          + (pipeline == null ? null : pipeline.name()) + "', not '" + name + "'");
    }
    try {
      // Copies the functions, opens them and checks their state types now, not at the first record.
      Operators.create(PipelineDefinition.of(pipeline), 0);
    } catch (RuntimeException e) {
      throw new InvalidPipelineException(classPath, e.getMessage());
    }
    return PipelineDefinition.of(pipeline);
  }
}
