package io.keyflow.pipeline.runner;

import static io.keyflow.pipeline.runner.ConfigValues.idleTimeout;
import static io.keyflow.pipeline.runner.ConfigValues.integer;
import static io.keyflow.pipeline.runner.ConfigValues.millis;
import static io.keyflow.pipeline.runner.ConfigValues.objectAt;
import static io.keyflow.pipeline.runner.ConfigValues.string;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.KeyGroupAssigner;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads pipelines declared in HOCON under {@code keyflow.pipelines.<name>}:
 *
 * <pre>
 * keyflow.pipelines.clicks {
 *   key-field = "user"
 *   time-field = "ts"
 *   max-out-of-orderness = 2s
 *   allowed-lateness = 0s
 *   max-key-groups = 128
 *   window { type = tumbling, size = 10s }       # or sliding (size, slide), session (gap)
 *   aggregations = [ { name = n, fn = count }, { name = amount, fn = sum, field = amount } ]
 * }
 * </pre>
 *
 * Every error names the full path of the bad key, so an operator can find it in the file.
 */
public final class PipelineConfig {

  private static final Set<String> PIPELINE_KEYS = Set.of(
      "key-field", "time-field", "max-out-of-orderness", "allowed-lateness", "max-key-groups",
      "window", "aggregations", "stage", "late-output", "idle-timeout", "class", "stages");

  private PipelineConfig() {}

  /** Thrown for an invalid pipeline declaration; the message starts with the offending path. */
  public static final class InvalidPipelineException extends IllegalArgumentException {
    private final String path;

    public InvalidPipelineException(String path, String problem) {
      super(path + ": " + problem);
      this.path = path;
    }

    public String path() {
      return path;
    }
  }

  /** All pipelines under {@code root} (usually {@code keyflow.pipelines}), by name, sorted. */
  public static Map<String, PipelineDefinition> parseAll(Config config, String root) {
    Map<String, PipelineDefinition> result = new TreeMap<>();
    if (!config.hasPath(root)) {
      return result;
    }
    Config pipelines = config.getConfig(root);
    for (String name : pipelines.root().keySet()) {
      String path = root + "." + name;
      if (pipelines.root().get(name).valueType() != ConfigValueType.OBJECT) {
        throw new InvalidPipelineException(path, "must be an object");
      }
      result.put(name, parse(name, pipelines.getConfig(quote(name)), path));
    }
    return result;
  }

  /** One pipeline named {@code name} from its own config object; {@code path} is for messages. */
  public static PipelineDefinition parse(String name, Config c, String path) {
    for (String key : c.root().keySet()) {
      if (!PIPELINE_KEYS.contains(key)) {
        throw new InvalidPipelineException(path + "." + key,
            "unknown key (known: " + String.join(", ", PIPELINE_KEYS.stream().sorted().toList()) + ")");
      }
    }
    if (c.hasPath("class")) {
      return ClassSection.parse(name, c, path);
    }
    if (c.hasPath("stages")) {
      return StagesSection.parse(name, c, path);
    }
    String keyField = string(c, "key-field", "key", path);
    String timeField = string(c, "time-field", "ts", path);
    long outOfOrder = millis(c, "max-out-of-orderness", 0, path);
    long lateness = millis(c, "allowed-lateness", 0, path);
    int maxKeyGroups = integer(c, "max-key-groups", KeyGroupAssigner.DEFAULT_MAX_KEY_GROUPS, path);
    String stage = string(c, "stage", PipelineDefinition.DEFAULT_STAGE, path);
    String lateOutput = string(c, "late-output", null, path);
    long idleTimeout = idleTimeout(c, path);
    if (!c.hasPath("window")) {
      throw new InvalidPipelineException(path + ".window", "missing");
    }
    Config windowConfig = objectAt(c, "window", path);
    WindowSpec window = WindowSection.parse(windowConfig, path + ".window");
    String time = string(windowConfig, "time", "event", path + ".window");
    if (!time.equals("event") && !time.equals("processing")) {
      throw new InvalidPipelineException(path + ".window.time", "must be event or processing, was '" + time + "'");
    }
    List<Aggregation> aggregations = AggregationsSection.parse(c, path);
    try {
      return new PipelineDefinition(name, stage, keyField, timeField, outOfOrder, lateness,
          maxKeyGroups, window, aggregations, lateOutput, idleTimeout, time.equals("processing"));
    } catch (IllegalArgumentException e) {
      throw new InvalidPipelineException(path, e.getMessage());
    }
  }

  private static String quote(String name) {
    return com.typesafe.config.ConfigUtil.quoteString(name);
  }
}
