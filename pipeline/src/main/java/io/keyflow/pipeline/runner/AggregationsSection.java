package io.keyflow.pipeline.runner;

import static io.keyflow.pipeline.runner.ConfigValues.string;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.runner.PipelineConfig.InvalidPipelineException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code aggregations = [ { name, fn, field } ]}: the built-in aggregations of a stage, in result order. */
final class AggregationsSection {

  private AggregationsSection() {}

  static List<Aggregation> parse(Config c, String path) {
    String listPath = path + ".aggregations";
    if (!c.hasPath("aggregations")) {
      throw new InvalidPipelineException(listPath, "missing (a list of { name, fn, field })");
    }
    List<? extends ConfigValue> list;
    try {
      list = c.getList("aggregations");
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(listPath, "must be a list");
    }
    List<Aggregation> result = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String itemPath = listPath + "[" + i + "]";
      if (list.get(i).valueType() != ConfigValueType.OBJECT) {
        throw new InvalidPipelineException(itemPath, "must be an object { name, fn, field }");
      }
      Config a = ((com.typesafe.config.ConfigObject) list.get(i)).toConfig();
      String fnName = string(a, "fn", null, itemPath);
      if (fnName == null) {
        throw new InvalidPipelineException(itemPath + ".fn", "missing (count, sum, min, max or avg)");
      }
      Aggregation.Function fn;
      try {
        fn = Aggregation.Function.valueOf(fnName.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new InvalidPipelineException(itemPath + ".fn",
            "unknown function '" + fnName + "' (count, sum, min, max or avg)");
      }
      String field = string(a, "field", null, itemPath);
      String name = string(a, "name", fnName + (field == null ? "" : "_" + field), itemPath);
      try {
        result.add(new Aggregation(name, fn, field));
      } catch (IllegalArgumentException e) {
        throw new InvalidPipelineException(itemPath, e.getMessage());
      }
    }
    return result;
  }
}
