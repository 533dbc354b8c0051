package io.keyflow.pipeline;

import io.keyflow.pipeline.StateCodec.UnsupportedTypeException;
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
import java.util.List;

/**
 * What the state codec needs to know about a Java type, shared by its check, encoder and decoder: the
 * raw class and type arguments of a declared type, which classes are scalars, the state fields of a
 * plain class and the shape of a record (looked up once per class).
 */
final class TypeShapes {

  private TypeShapes() {}

  /** A record type's components, accessors and canonical constructor, looked up once per class. */
  record RecordShape(String[] names, java.lang.reflect.Method[] accessors, Type[] types,
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

  /** The components, accessors and canonical constructor of record class {@code type}. */
  static RecordShape recordShape(Class<?> type) {
    return RECORDS.get(type);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static Object enumValue(Class<?> raw, String name) {
    return Enum.valueOf((Class) raw, name);
  }

  static List<Field> stateFields(Class<?> type, boolean includeNonPublic) {
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

  static Object defaultOf(Class<?> primitive) {
    return Array.get(Array.newInstance(primitive, 1), 0);
  }

  static boolean isScalar(Class<?> c) {
    return c.isPrimitive() || c == String.class || c == Boolean.class || c == Character.class
        || c == Double.class || c == Float.class || c == Number.class || isIntegral(c);
  }

  static boolean isIntegral(Class<?> c) {
    return c == Long.class || c == Integer.class || c == Short.class || c == Byte.class
        || c == long.class || c == int.class || c == short.class || c == byte.class;
  }

  static Class<?> rawClass(Type type) {
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

  static Type typeArgument(Type type, int index) {
    if (type instanceof ParameterizedType p) {
      Type arg = p.getActualTypeArguments()[index];
      return arg instanceof WildcardType w && w.getUpperBounds().length == 1 ? w.getUpperBounds()[0] : arg;
    }
    return Object.class; // a raw collection holds neutral values
  }

  static Type elementType(Type type) {
    if (type instanceof GenericArrayType g) {
      return g.getGenericComponentType();
    }
    return ((Class<?>) type).getComponentType();
  }

  static String typeName(Type type) {
    Class<?> raw = rawClass(type);
    return raw == null ? type.getTypeName() : raw.getSimpleName();
  }
}
