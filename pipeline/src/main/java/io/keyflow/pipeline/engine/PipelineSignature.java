package io.keyflow.pipeline.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.StageFunctions;
import io.keyflow.pipeline.WindowSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a pipeline's stored state depends on: stage name, number of key groups, window, the kind of
 * stage function (built-in aggregations, aggregate function and its accumulator type, reduce, process
 * window function, keyed process function) and the built-in aggregations in order. Stored with the
 * state when a pipeline first starts; a later start compares the new pipeline against it.
 *
 * <p>Compatible changes: anything not listed above (lateness, out-of-orderness, idleness, late output,
 * key or time field, the user function's code), and built-in aggregations appended after the stored
 * ones (they start empty in windows already open). Everything else is refused with a message naming
 * each difference — as Flink refuses a savepoint whose state does not match the job.
 */
public record PipelineSignature(
    String stage, int maxKeyGroups, String window, String function, String accumulatorType,
    List<String> aggregations) {

  public PipelineSignature {
    aggregations = List.copyOf(aggregations);
  }

  /** The signature of {@code p}. */
  public static PipelineSignature of(PipelineDefinition p) {
    StageFunctions f = p.functions();
    String function = f == null || !f.hasFunction() ? "aggregations"
        : f.process() != null ? "keyed-process"
        : f.processWindow() != null ? "process-window"
        : f.aggregate() != null ? "aggregate-function" : "reduce";
    String acc = f != null && f.aggregate() != null ? f.accumulatorType().getTypeName() : "";
    List<String> aggregations = new ArrayList<>();
    for (Aggregation a : p.aggregations()) {
      aggregations.add(describe(a));
    }
    return new PipelineSignature(p.stage(), p.maxKeyGroups(), window(p), function, acc, aggregations);
  }

  private static String describe(Aggregation a) {
    String fn = a.fn().name().toLowerCase(java.util.Locale.ROOT);
    return a.name() + " = " + fn + (a.field() == null ? "" : "(" + a.field() + ")");
  }

  private static String window(PipelineDefinition p) {
    if (p.window() == null) {
      return "none";
    }
    String time = p.processingTime() ? "processing" : "event";
    if (p.window() instanceof WindowSpec.Tumbling t) {
      return "tumbling size " + t.sizeMillis() + " ms, offset " + t.offsetMillis() + " ms, " + time + " time";
    }
    if (p.window() instanceof WindowSpec.Sliding s) {
      return "sliding size " + s.sizeMillis() + " ms, slide " + s.slideMillis() + " ms, offset " + s.offsetMillis()
          + " ms, " + time + " time";
    }
    WindowSpec.Session s = (WindowSpec.Session) p.window();
    return "session gap " + s.gapMillis() + " ms, " + time + " time";
  }

  /**
   * Why state stored under {@code stored} cannot be used by this pipeline: one message per
   * difference, empty when it can.
   */
  public List<String> incompatibilitiesWith(PipelineSignature stored) {
    List<String> problems = new ArrayList<>();
    if (!stage.equals(stored.stage)) {
      problems.add("stage renamed from '" + stored.stage + "' to '" + stage + "' (its state is stored under the old name)");
    }
    if (maxKeyGroups != stored.maxKeyGroups) {
      problems.add("max-key-groups changed from " + stored.maxKeyGroups + " to " + maxKeyGroups
          + " (stored state is partitioned by it)");
    }
    if (!window.equals(stored.window)) {
      problems.add("window changed from " + stored.window + " to " + window);
    }
    if (!function.equals(stored.function)) {
      problems.add("stage function changed from " + stored.function + " to " + function);
    } else if (!accumulatorType.equals(stored.accumulatorType)) {
      problems.add("accumulator type changed from " + stored.accumulatorType + " to " + accumulatorType);
    }
    for (int i = 0; i < stored.aggregations.size(); i++) {
      String old = stored.aggregations.get(i);
      String name = old.substring(0, old.indexOf(" = "));
      String now = i < aggregations.size() ? aggregations.get(i) : null;
      if (old.equals(now)) {
        continue;
      }
      String renamed = aggregations.stream().filter(a -> a.startsWith(name + " = ")).findFirst().orElse(null);
      if (renamed == null) {
        problems.add("aggregation " + old + " was removed");
      } else if (!renamed.equals(old)) {
        problems.add("aggregation " + old + " changed to " + renamed);
      } else {
        problems.add("aggregation " + old + " moved; new aggregations must be appended after the stored ones");
      }
    }
    return problems;
  }

  /** A compact, stable text form for storage. */
  public String encode() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("stage", stage);
    m.put("max-key-groups", maxKeyGroups);
    m.put("window", window);
    m.put("function", function);
    m.put("accumulator-type", accumulatorType);
    m.put("aggregations", aggregations);
    return ConfigValueFactory.fromMap(m).render(ConfigRenderOptions.concise());
  }

  /** The signature {@link #encode()} wrote. */
  public static PipelineSignature decode(String text) {
    Config c = ConfigFactory.parseString(text);
    return new PipelineSignature(c.getString("stage"), c.getInt("max-key-groups"), c.getString("window"),
        c.getString("function"), c.getString("accumulator-type"), c.getStringList("aggregations"));
  }
}
