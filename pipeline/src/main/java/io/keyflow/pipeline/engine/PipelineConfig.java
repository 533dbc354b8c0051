package io.keyflow.pipeline.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.KeyGroupAssigner;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.PipelineProvider;
import io.keyflow.pipeline.WindowSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
      return javaPipeline(name, c, path);
    }
    if (c.hasPath("stages")) {
      return stages(name, c, path);
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
    WindowSpec window = window(windowConfig, path + ".window");
    String time = string(windowConfig, "time", "event", path + ".window");
    if (!time.equals("event") && !time.equals("processing")) {
      throw new InvalidPipelineException(path + ".window.time", "must be event or processing, was '" + time + "'");
    }
    List<Aggregation> aggregations = aggregations(c, path);
    try {
      return new PipelineDefinition(name, stage, keyField, timeField, outOfOrder, lateness,
          maxKeyGroups, window, aggregations, lateOutput, idleTimeout, time.equals("processing"));
    } catch (IllegalArgumentException e) {
      throw new InvalidPipelineException(path, e.getMessage());
    }
  }

  /**
   * {@code class = "com.acme.MyPipeline"}: a {@link PipelineProvider} on the classpath, with a public
   * no-argument constructor, whose pipeline has this name. The class says everything else.
   */
  private static PipelineDefinition javaPipeline(String name, Config c, String path) {
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
      StageOperator.create(pipeline.definition(), 0);
    } catch (RuntimeException e) {
      throw new InvalidPipelineException(classPath, e.getMessage());
    }
    return pipeline.definition();
  }

  /**
   * {@code stages = [ { name, key-field, window, aggregations, ... }, ... ]}: a multi-stage pipeline.
   * The first stage reads the posted events; each next stage reads the results of the one before,
   * re-keyed by its own {@code key-field} (see {@link PipelineDefinition#recordOfResult}). Only
   * {@code max-key-groups} may stay at the pipeline level; everything else belongs to a stage.
   */
  private static PipelineDefinition stages(String name, Config c, String path) {
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
      stages.add(parse(name, merged, itemPath));
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

  /** {@code idle-timeout = off} (the default) or a duration. */
  private static long idleTimeout(Config c, String path) {
    if (!c.hasPath("idle-timeout")) {
      return 0;
    }
    var value = c.getValue("idle-timeout");
    if ((value.valueType() == ConfigValueType.STRING && "off".equals(value.unwrapped()))
        || (value.valueType() == ConfigValueType.BOOLEAN && Boolean.FALSE.equals(value.unwrapped()))) {
      return 0;
    }
    long millis = millis(c, "idle-timeout", 0, path);
    if (millis <= 0) {
      throw new InvalidPipelineException(path + ".idle-timeout", "must be positive, or off");
    }
    return millis;
  }

  private static WindowSpec window(Config w, String path) {
    for (String key : w.root().keySet()) {
      if (!Set.of("type", "size", "slide", "gap", "offset", "time").contains(key)) {
        throw new InvalidPipelineException(path + "." + key, "unknown key (known: type, size, slide, gap, offset, time)");
      }
    }
    String type = string(w, "type", null, path);
    if (type == null) {
      throw new InvalidPipelineException(path + ".type", "missing (tumbling, sliding or session)");
    }
    try {
      switch (type.toLowerCase(Locale.ROOT)) {
        case "tumbling":
          return new WindowSpec.Tumbling(requiredMillis(w, "size", path), millis(w, "offset", 0, path));
        case "sliding":
          return new WindowSpec.Sliding(requiredMillis(w, "size", path),
              requiredMillis(w, "slide", path), millis(w, "offset", 0, path));
        case "session":
          return new WindowSpec.Session(requiredMillis(w, "gap", path));
        default:
          throw new InvalidPipelineException(path + ".type",
              "unknown window type '" + type + "' (tumbling, sliding or session)");
      }
    } catch (IllegalArgumentException e) {
      if (e instanceof InvalidPipelineException) {
        throw e;
      }
      throw new InvalidPipelineException(path, e.getMessage());
    }
  }

  private static List<Aggregation> aggregations(Config c, String path) {
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

  private static Config objectAt(Config c, String key, String path) {
    try {
      return c.getConfig(key);
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(path + "." + key, "must be an object");
    }
  }

  private static String string(Config c, String key, String dflt, String path) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    try {
      return c.getString(key);
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(path + "." + key, "must be a string");
    }
  }

  private static int integer(Config c, String key, int dflt, String path) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    try {
      return c.getInt(key);
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(path + "." + key, "must be an integer");
    }
  }

  private static long requiredMillis(Config c, String key, String path) {
    if (!c.hasPath(key)) {
      throw new InvalidPipelineException(path + "." + key, "missing (a duration such as 10s)");
    }
    return millis(c, key, 0, path);
  }

  private static long millis(Config c, String key, long dflt, String path) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    try {
      return c.getDuration(key).toMillis();
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw new InvalidPipelineException(path + "." + key, "must be a duration such as 10s or 500ms");
    }
  }

  private static String quote(String name) {
    return com.typesafe.config.ConfigUtil.quoteString(name);
  }
}
