package io.keyflow.pipeline.runner;

import static io.keyflow.pipeline.runner.ConfigValues.millis;
import static io.keyflow.pipeline.runner.ConfigValues.requiredMillis;
import static io.keyflow.pipeline.runner.ConfigValues.string;

import com.typesafe.config.Config;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.runner.PipelineConfig.InvalidPipelineException;
import java.util.Locale;
import java.util.Set;

/** {@code window { type, size, slide, gap, offset, time }}: the window of a stage. */
final class WindowSection {

  private WindowSection() {}

  static WindowSpec parse(Config w, String path) {
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
}
