package io.keyflow.pipeline.runner;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import io.keyflow.pipeline.runner.PipelineConfig.InvalidPipelineException;

/**
 * Typed reads of one HOCON key with a default, shared by every section of a pipeline declaration:
 * a wrong type or an unparseable duration becomes an {@link InvalidPipelineException} naming the
 * full path of the key, so an operator can find it in the file.
 */
final class ConfigValues {

  private ConfigValues() {}

  /** {@code idle-timeout = off} (the default) or a duration. */
  static long idleTimeout(Config c, String path) {
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

  static Config objectAt(Config c, String key, String path) {
    try {
      return c.getConfig(key);
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(path + "." + key, "must be an object");
    }
  }

  static String string(Config c, String key, String dflt, String path) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    try {
      return c.getString(key);
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(path + "." + key, "must be a string");
    }
  }

  static int integer(Config c, String key, int dflt, String path) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    try {
      return c.getInt(key);
    } catch (ConfigException.WrongType e) {
      throw new InvalidPipelineException(path + "." + key, "must be an integer");
    }
  }

  static long requiredMillis(Config c, String key, String path) {
    if (!c.hasPath(key)) {
      throw new InvalidPipelineException(path + "." + key, "missing (a duration such as 10s)");
    }
    return millis(c, key, 0, path);
  }

  static long millis(Config c, String key, long dflt, String path) {
    if (!c.hasPath(key)) {
      return dflt;
    }
    try {
      return c.getDuration(key).toMillis();
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw new InvalidPipelineException(path + "." + key, "must be a duration such as 10s or 500ms");
    }
  }
}
