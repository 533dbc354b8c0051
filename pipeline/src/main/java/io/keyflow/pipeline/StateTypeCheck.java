package io.keyflow.pipeline;

import io.keyflow.pipeline.StateCodec.UnsupportedTypeException;
import static io.keyflow.pipeline.TypeShapes.elementType;
import static io.keyflow.pipeline.TypeShapes.isIntegral;
import static io.keyflow.pipeline.TypeShapes.isScalar;
import static io.keyflow.pipeline.TypeShapes.rawClass;
import static io.keyflow.pipeline.TypeShapes.stateFields;
import static io.keyflow.pipeline.TypeShapes.typeArgument;
import static io.keyflow.pipeline.TypeShapes.typeName;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refuses, when a pipeline starts, every declared type the codec could not round-trip, with a message
 * naming the type and its path inside the state ({@code count.lastSeen[]}) — so a bad state type fails
 * at once instead of at the first snapshot. Results are cached per type.
 */
final class StateTypeCheck {

  private StateTypeCheck() {}

  static final Map<Type, String> CHECKED = new ConcurrentHashMap<>();

  /** See {@link io.keyflow.pipeline.StateCodec#check}. */
  static void check(Type type, String what) {
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
}
