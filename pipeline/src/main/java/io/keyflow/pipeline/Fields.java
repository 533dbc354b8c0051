package io.keyflow.pipeline;

import java.util.Map;

/**
 * Read access to the fields of an event, shared by {@link Event} (the raw input, as a key selector
 * or timestamp assigner sees it) and {@link Record} (the keyed, timestamped element a stage
 * processes). Values are the JSON values of the event: {@link String}, {@link Long} (JSON integers),
 * {@link Double} (other numbers), {@link Boolean}, nested {@link java.util.List} and {@link Map}.
 */
public interface Fields {

  /** All fields by name, unmodifiable. */
  Map<String, Object> fields();

  /** The value of field {@code name}, or null when the event has none. */
  default Object get(String name) {
    return fields().get(name);
  }

  /** Whether the event has a non-null field {@code name}. */
  default boolean has(String name) {
    return fields().get(name) != null;
  }

  /** Field {@code name} as text: strings as they are, numbers and booleans as their JSON text. */
  default String string(String name) {
    Object v = require(name);
    return v instanceof String s ? s : String.valueOf(v);
  }

  /** Numeric field {@code name}: a {@link Long} for JSON integers, a {@link Double} otherwise. */
  default Number number(String name) {
    Object v = require(name);
    if (v instanceof Number n) {
      return n;
    }
    throw new IllegalArgumentException("field '" + name + "' is not a number: " + v);
  }

  /** Integral field {@code name}. */
  default long longValue(String name) {
    Number n = number(name);
    if (n instanceof Double) {
      throw new IllegalArgumentException("field '" + name + "' is not an integer: " + n);
    }
    return n.longValue();
  }

  /** Numeric field {@code name} as a double. */
  default double doubleValue(String name) {
    return number(name).doubleValue();
  }

  /** Boolean field {@code name}. */
  default boolean bool(String name) {
    Object v = require(name);
    if (v instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException("field '" + name + "' is not a boolean: " + v);
  }

  private Object require(String name) {
    Object v = fields().get(name);
    if (v == null) {
      throw new IllegalArgumentException("missing field '" + name + "'");
    }
    return v;
  }
}
