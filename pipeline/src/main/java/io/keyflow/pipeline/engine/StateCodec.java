package io.keyflow.pipeline.engine;

import io.keyflow.pipeline.internal.codec.Numbers;
import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keyflow's codec for user values kept in state and in outputs: keyed state, window accumulators,
 * the results of process functions. It turns a value into a <em>neutral tree</em> of {@code null},
 * {@link String}, {@link Boolean}, {@link Long}, {@link Double}, {@link List} and {@link Map} with
 * string keys — what JSON, CBOR and the journal can hold without type information — and back, guided
 * by the declared Java type.
 *
 * <p>Supported types: the neutral ones; {@code int/long/short/byte/double/float/boolean/char} and
 * their boxes; enums (by name); Java records whose components are supported (the usual choice for
 * state); {@code List}, {@code Set} and {@code Map} of supported types (map keys: strings, integral
 * numbers, booleans or enums); arrays; and plain classes with a public no-argument constructor whose
 * non-static, non-transient fields are public and supported. Anything else — an interface, a class
 * with private fields, a raw {@code Object} field inside a record — is refused by {@link #check}
 * with a message naming the offending type and path, which the runtime calls when a pipeline starts.
 *
 * <p>Decoding is lenient about number widths (a CBOR round trip may return an Integer for a Long).
 */
public final class StateCodec {

  private static final Map<Type, String> CHECKED = new ConcurrentHashMap<>();

  /** A record type's components, accessors and canonical constructor, looked up once per class. */
  private record RecordShape(String[] names, java.lang.reflect.Method[] accessors, Type[] types,
      Class<?>[] rawTypes, Constructor<?> constructor) {}

  private static final ClassValue<RecordShape> RECORDS = new ClassValue<>() {
    @Override
    protected RecordShape computeValue(Class<?> type) {
      RecordComponent[] components = type.getRecordComponents();
      int n = components.length;
      String[] names = new String[n];
      java.lang.reflect.Method[] accessors = new java.lang.reflect.Method[n];
      Type[] types = new Type[n];
      Class<?>[] raw = new Class<?>[n];
      for (int i = 0; i < n; i++) {
        names[i] = components[i].getName();
        accessors[i] = components[i].getAccessor();
        accessors[i].setAccessible(true);
        types[i] = components[i].getGenericType();
        raw[i] = components[i].getType();
      }
      try {
        Constructor<?> ctor = type.getDeclaredConstructor(raw);
        ctor.setAccessible(true);
        return new RecordShape(names, accessors, types, raw, ctor);
      } catch (NoSuchMethodException e) {
        throw new UnsupportedTypeException("record " + type.getName() + " has no canonical constructor");
      }
    }
  };

  private StateCodec() {}

  /** Thrown when a type cannot be kept in state; the message names the type and where it was found. */
  public static final class UnsupportedTypeException extends IllegalArgumentException {
    public UnsupportedTypeException(String message) {
      super(message);
    }
  }

  /** Refuses, with a clear message, a type this codec cannot round-trip; {@code what} names its use. */
  public static void check(Type type, String what) {
    String problem = CHECKED.computeIfAbsent(type, t -> {
      try {
        checkType(t, typeName(t), new LinkedHashSet<>());
        return "";
      } catch (UnsupportedTypeException e) {
        return e.getMessage();
      }
    });
    if (!problem.isEmpty()) {
      throw new UnsupportedTypeException(what + ": " + problem);
    }
  }

  private static void checkType(Type type, String path, Set<Type> visiting) {
    Class<?> raw = rawClass(type);
    if (raw == null) {
      throw new UnsupportedTypeException(path + " has type " + type.getTypeName()
          + ", which is not a concrete type (declare it as a class, record, List, Set or Map)");
    }
    if (raw == Object.class) {
      return; // a neutral value: taken as it is, numbers made canonical
    }
    if (isScalar(raw) || raw.isEnum()) {
      return;
    }
    if (!visiting.add(type)) {
      return;
    }
    try {
      if (raw.isArray()) {
        checkType(elementType(type), path + "[]", visiting);
      } else if (List.class.isAssignableFrom(raw) || Set.class.isAssignableFrom(raw)
          || raw == Collection.class || raw == Iterable.class) {
        checkType(typeArgument(type, 0), path + "[]", visiting);
      } else if (Map.class.isAssignableFrom(raw)) {
        Class<?> key = rawClass(typeArgument(type, 0));
        if (key == null || !(key == String.class || key == Object.class || isIntegral(key)
            || key == Boolean.class || key.isEnum())) {
          throw new UnsupportedTypeException(path + " is a Map keyed by " + typeArgument(type, 0).getTypeName()
              + "; map keys must be strings, integral numbers, booleans or enums");
        }
        checkType(typeArgument(type, 1), path + "{}", visiting);
      } else if (raw.isRecord()) {
        for (RecordComponent c : raw.getRecordComponents()) {
          checkType(c.getGenericType(), path + "." + c.getName(), visiting);
        }
      } else if (raw.isInterface() || Modifier.isAbstract(raw.getModifiers())) {
        throw new UnsupportedTypeException(path + " has type " + raw.getName()
            + ", an interface or abstract class: use a record or a concrete class");
      } else {
        Constructor<?> ctor;
        try {
          ctor = raw.getConstructor();
        } catch (NoSuchMethodException e) {
          throw new UnsupportedTypeException(path + " has type " + raw.getName()
              + ", which is neither a record nor a class with a public no-argument constructor");
        }
        if (!Modifier.isPublic(raw.getModifiers()) || !Modifier.isPublic(ctor.getModifiers())) {
          throw new UnsupportedTypeException(path + " has type " + raw.getName() + ", which is not public");
        }
        for (Field f : stateFields(raw, true)) {
          if (!Modifier.isPublic(f.getModifiers())) {
            throw new UnsupportedTypeException(path + "." + f.getName() + " is not public (" + raw.getName()
                + "): a state class keeps its data in public fields, or is a record");
          }
          checkType(f.getGenericType(), path + "." + f.getName(), visiting);
        }
      }
    } finally {
      visiting.remove(type);
    }
  }

  /** The neutral tree of {@code value}. */
  public static Object encode(Object value) {
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
        RecordShape shape = RECORDS.get(type);
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

  /** The value of declared type {@code type} whose neutral tree is {@code tree}. */
  @SuppressWarnings("unchecked")
  public static <T> T decode(Object tree, Type type) {
    return (T) decodeAny(tree, type);
  }

  private static Object decodeAny(Object tree, Type type) {
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
      return neutral(tree);
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
        RecordShape shape = RECORDS.get(raw);
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

  /** A neutral tree with canonical numbers and mutable, insertion-ordered containers. */
  public static Object neutral(Object tree) {
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
  public static String encodeKey(Object key) {
    if (key instanceof Enum<?> e) {
      return e.name();
    }
    if (key instanceof Number n) {
      return String.valueOf(Numbers.canonical(n));
    }
    return String.valueOf(key);
  }

  /** The map key of type {@code type} stored under {@code text}. */
  public static Object decodeKey(String text, Type type) {
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

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object enumValue(Class<?> raw, String name) {
    return Enum.valueOf((Class) raw, name);
  }

  private static List<Field> stateFields(Class<?> type, boolean includeNonPublic) {
    List<Field> fields = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        int m = f.getModifiers();
        if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic()) {
          continue;
        }
        if (includeNonPublic || Modifier.isPublic(m)) {
          fields.add(f);
        }
      }
    }
    return fields;
  }

  private static Object defaultOf(Class<?> primitive) {
    return Array.get(Array.newInstance(primitive, 1), 0);
  }

  private static boolean isScalar(Class<?> c) {
    return c.isPrimitive() || c == String.class || c == Boolean.class || c == Character.class
        || c == Double.class || c == Float.class || c == Number.class || isIntegral(c);
  }

  private static boolean isIntegral(Class<?> c) {
    return c == Long.class || c == Integer.class || c == Short.class || c == Byte.class
        || c == long.class || c == int.class || c == short.class || c == byte.class;
  }

  private static Class<?> rawClass(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p) {
      return (Class<?>) p.getRawType();
    }
    if (type instanceof GenericArrayType g) {
      Class<?> component = rawClass(g.getGenericComponentType());
      return component == null ? null : component.arrayType();
    }
    if (type instanceof WildcardType w && w.getUpperBounds().length == 1 && w.getLowerBounds().length == 0) {
      return rawClass(w.getUpperBounds()[0]);
    }
    return null;
  }

  private static Type typeArgument(Type type, int index) {
    if (type instanceof ParameterizedType p) {
      Type arg = p.getActualTypeArguments()[index];
      return arg instanceof WildcardType w && w.getUpperBounds().length == 1 ? w.getUpperBounds()[0] : arg;
    }
    return Object.class; // a raw collection holds neutral values
  }

  private static Type elementType(Type type) {
    if (type instanceof GenericArrayType g) {
      return g.getGenericComponentType();
    }
    return ((Class<?>) type).getComponentType();
  }

  private static String typeName(Type type) {
    Class<?> raw = rawClass(type);
    return raw == null ? type.getTypeName() : raw.getSimpleName();
  }
}
