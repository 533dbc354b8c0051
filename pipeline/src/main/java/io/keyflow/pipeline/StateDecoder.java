package io.keyflow.pipeline;

import io.keyflow.pipeline.StateCodec.UnsupportedTypeException;
import static io.keyflow.pipeline.TypeShapes.defaultOf;
import static io.keyflow.pipeline.TypeShapes.elementType;
import static io.keyflow.pipeline.TypeShapes.enumValue;
import static io.keyflow.pipeline.TypeShapes.rawClass;
import static io.keyflow.pipeline.TypeShapes.stateFields;
import static io.keyflow.pipeline.TypeShapes.typeArgument;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a neutral tree back into a value of a declared Java type, guided by that type (not by anything
 * in the tree, which holds no type information), lenient about number widths (a CBOR round trip may
 * return an Integer for a Long).
 */
final class StateDecoder {

  private StateDecoder() {}

  /** See {@link io.keyflow.pipeline.StateCodec#decode}. */
  static Object decodeAny(Object tree, Type type) {
    Class<?> raw = rawClass(type);
    if (raw == null) {
      throw new UnsupportedTypeException("cannot decode into " + type.getTypeName());
    }
    if (raw.isPrimitive() && tree == null) {
      throw new IllegalArgumentException("null for primitive " + raw.getName());
    }
    if (tree == null) {
      return null;
    }
    if (raw == Object.class) {
      return StateEncoder.neutral(tree);
    }
    if (raw == String.class) {
      return tree.toString();
    }
    if (raw == Long.class || raw == long.class) {
      return ((Number) tree).longValue();
    }
    if (raw == Integer.class || raw == int.class) {
      return ((Number) tree).intValue();
    }
    if (raw == Double.class || raw == double.class) {
      return ((Number) tree).doubleValue();
    }
    if (raw == Float.class || raw == float.class) {
      return ((Number) tree).floatValue();
    }
    if (raw == Short.class || raw == short.class) {
      return ((Number) tree).shortValue();
    }
    if (raw == Byte.class || raw == byte.class) {
      return ((Number) tree).byteValue();
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return tree;
    }
    if (raw == Character.class || raw == char.class) {
      return tree.toString().charAt(0);
    }
    if (raw == Number.class) {
      return Numbers.canonical((Number) tree);
    }
    if (raw.isEnum()) {
      return enumValue(raw, tree.toString());
    }
    if (raw.isArray()) {
      List<?> items = (List<?>) tree;
      Type element = elementType(type);
      Object array = Array.newInstance(rawClass(element), items.size());
      for (int i = 0; i < items.size(); i++) {
        Array.set(array, i, decodeAny(items.get(i), element));
      }
      return array;
    }
    if (Set.class.isAssignableFrom(raw)) {
      Set<Object> out = java.util.SortedSet.class.isAssignableFrom(raw) ? new TreeSet<>() : new LinkedHashSet<>();
      for (Object item : (Collection<?>) tree) {
        out.add(decodeAny(item, typeArgument(type, 0)));
      }
      return out;
    }
    if (Collection.class.isAssignableFrom(raw) || raw == Iterable.class) {
      List<Object> out = new ArrayList<>();
      for (Object item : (Collection<?>) tree) {
        out.add(decodeAny(item, typeArgument(type, 0)));
      }
      return out;
    }
    if (Map.class.isAssignableFrom(raw)) {
      Map<Object, Object> out = java.util.SortedMap.class.isAssignableFrom(raw) ? new TreeMap<>() : new LinkedHashMap<>();
      Type keyType = typeArgument(type, 0);
      for (var e : ((Map<?, ?>) tree).entrySet()) {
        out.put(decodeKey(e.getKey().toString(), keyType), decodeAny(e.getValue(), typeArgument(type, 1)));
      }
      return out;
    }
    Map<?, ?> fields = (Map<?, ?>) tree;
    try {
      if (raw.isRecord()) {
        TypeShapes.RecordShape shape = TypeShapes.recordShape(raw);
        Object[] args = new Object[shape.names().length];
        for (int i = 0; i < args.length; i++) {
          Object v = fields.get(shape.names()[i]);
          args[i] = v == null && shape.rawTypes()[i].isPrimitive() ? defaultOf(shape.rawTypes()[i]) : decodeAny(v, shape.types()[i]);
        }
        return shape.constructor().newInstance(args);
      }
      Constructor<?> ctor = raw.getDeclaredConstructor();
      ctor.setAccessible(true);
      Object out = ctor.newInstance();
      for (Field f : stateFields(raw, false)) {
        if (fields.containsKey(f.getName())) {
          f.setAccessible(true);
          Object v = fields.get(f.getName());
          f.set(out, v == null && f.getType().isPrimitive() ? defaultOf(f.getType()) : decodeAny(v, f.getGenericType()));
        }
      }
      return out;
    } catch (ReflectiveOperationException e) {
      throw new UnsupportedTypeException("cannot create " + raw.getName() + ": " + e);
    }
  }

  /** The map key of type {@code type} stored under {@code text}. */
  static Object decodeKey(String text, Type type) {
    Class<?> raw = rawClass(type);
    if (raw == null || raw == String.class || raw == Object.class) {
      return text;
    }
    if (raw == Long.class || raw == long.class) {
      return Long.parseLong(text);
    }
    if (raw == Integer.class || raw == int.class) {
      return Integer.parseInt(text);
    }
    if (raw == Short.class || raw == short.class) {
      return Short.parseShort(text);
    }
    if (raw == Byte.class || raw == byte.class) {
      return Byte.parseByte(text);
    }
    if (raw == Boolean.class || raw == boolean.class) {
      return Boolean.parseBoolean(text);
    }
    if (raw.isEnum()) {
      return enumValue(raw, text);
    }
    throw new UnsupportedTypeException("map keys of type " + type.getTypeName() + " are not supported");
  }
}
