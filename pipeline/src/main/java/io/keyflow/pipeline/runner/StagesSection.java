package io.keyflow.pipeline.runner;

import static io.keyflow.pipeline.runner.ConfigValues.string;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.keyflow.pipeline.runner.PipelineConfig.InvalidPipelineException;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code stages = [ ... ]}: a multi-stage pipeline declaration, each stage parsed as a single-stage
 * pipeline of the same name and linked to the next.
 */
final class StagesSection {

  private StagesSection() {}

  /**
   * {@code stages = [ { name, key-field, window, aggregations, ... }, ... ]}: a multi-stage pipeline.
   * The first stage reads the posted events; each next stage reads the results of the one before,
   * re-keyed by its own {@code key-field} (see {@link PipelineDefinition#recordOfResult}). Only
   * {@code max-key-groups} may stay at the pipeline level; everything else belongs to a stage.
   */
  static PipelineDefinition parse(String name, Config c, String path) {
    for (String key : c.root().keySet()) {
      if (!key.equals("stages") && !key.equals("max-key-groups")) {
        throw new InvalidPipelineException(path + "." + key,
            "with stages = [...] this key belongs in each stage (only max-key-groups is shared)");
      }
    }
    List<? extends ConfigValue> list;
    try {
      list = c.getList("stages");
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(path + ".stages", "must be a list of stage objects");
    }
    if (list.isEmpty()) {
      throw new InvalidPipelineException(path + ".stages", "must not be empty");
    }
    List<PipelineDefinition> stages = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String itemPath = path + ".stages[" + i + "]";
      if (list.get(i).valueType() != ConfigValueType.OBJECT) {
        throw new InvalidPipelineException(itemPath, "must be an object { name, key-field, window, aggregations }");
      }
      Config stage = ((com.typesafe.config.ConfigObject) list.get(i)).toConfig();
      for (String forbidden : List.of("stage", "stages", "class", "max-key-groups")) {
        if (stage.hasPath(forbidden)) {
          throw new InvalidPipelineException(itemPath + "." + forbidden,
              forbidden.equals("stage") ? "a stage is named by name" : "not allowed in a stage");
        }
      }
      String stageName = string(stage, "name", null, itemPath);
      if (stageName == null) {
        throw new InvalidPipelineException(itemPath + ".name", "missing");
      }
      Config merged = stage.withoutPath("name")
          .withValue("stage", com.typesafe.config.ConfigValueFactory.fromAnyRef(stageName));
      if (c.hasPath("max-key-groups")) {
        merged = merged.withValue("max-key-groups", c.getValue("max-key-groups"));
      }
      stages.add(PipelineConfig.parse(name, merged, itemPath));
    }
    PipelineDefinition chain = null;
    for (int i = stages.size() - 1; i >= 0; i--) {
      try {
        chain = chain == null ? stages.get(i) : stages.get(i).withNext(chain);
      } catch (IllegalArgumentException e) {
        throw new InvalidPipelineException(path + ".stages[" + i + "]", e.getMessage());
      }
    }
    return chain;
  }
}
