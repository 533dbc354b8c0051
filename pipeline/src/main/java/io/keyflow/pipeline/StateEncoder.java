package io.keyflow.pipeline;

import io.keyflow.pipeline.StateCodec.UnsupportedTypeException;
import static io.keyflow.pipeline.TypeShapes.stateFields;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a value as a neutral tree, reading its runtime class (records by component, plain classes by
 * public field); and makes any tree neutral (canonical numbers, mutable ordered containers). Needs no
 * declared type: the decoder is the side that uses it.
 */
final class StateEncoder {

  private StateEncoder() {}

  /** See {@link io.keyflow.pipeline.StateCodec#encode}. */
  static Object encode(Object value) {
    if (value == null || value instanceof String || value instanceof Boolean) {
      return value;
    }
    if (value instanceof Number n) {
      return Numbers.canonical(n);
    }
    if (value instanceof Character c) {
      return c.toString();
    }
    if (value instanceof Enum<?> e) {
      return e.name();
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(encodeKey(k), encode(v)));
      return out;
    }
    if (value instanceof Iterable<?> items) {
      List<Object> out = new ArrayList<>();
      items.forEach(item -> out.add(encode(item)));
      return out;
    }
    Class<?> type = value.getClass();
    if (type.isArray()) {
      int n = Array.getLength(value);
      List<Object> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(encode(Array.get(value, i)));
      }
      return out;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      if (type.isRecord()) {
        TypeShapes.RecordShape shape = TypeShapes.recordShape(type);
        for (int i = 0; i < shape.names().length; i++) {
          out.put(shape.names()[i], encode(shape.accessors()[i].invoke(value)));
        }
      } else {
        for (Field f : stateFields(type, false)) {
          f.setAccessible(true);
          out.put(f.getName(), encode(f.get(value)));
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new UnsupportedTypeException("cannot read " + type.getName() + ": " + e);
    }
    return out;
  }

  /** A neutral tree with canonical numbers and mutable, insertion-ordered containers. */
  static Object neutral(Object tree) {
    if (tree instanceof Number n) {
      return Numbers.canonical(n);
    }
    if (tree instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>();
      map.forEach((k, v) -> out.put(k.toString(), neutral(v)));
      return out;
    }
    if (tree instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(neutral(v)));
      return out;
    }
    return tree;
  }

  /** The text a map key is stored under. */
  static String encodeKey(Object key) {
    if (key instanceof Enum<?> e) {
      return e.name();
    }
    if (key instanceof Number n) {
      return String.valueOf(Numbers.canonical(n));
    }
    return String.valueOf(key);
  }
}
