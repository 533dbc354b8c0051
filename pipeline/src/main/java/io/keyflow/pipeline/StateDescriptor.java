package io.keyflow.pipeline;

import java.lang.reflect.Type;

/**
 * Names a piece of keyed state and its value type, as Flink's state descriptors. The name is the
 * state's identity in snapshots: renaming it starts empty. Types are checked by {@link StateCodec}
 * when the pipeline starts (in {@code open}), so an unsupported type fails at once, not at the first
 * snapshot.
 */
public abstract sealed class StateDescriptor
    permits StateDescriptor.Value, StateDescriptor.List, StateDescriptor.Map {

  private final String name;
  private StateTtlConfig ttl;

  StateDescriptor(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("state name must not be empty");
    }
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** Entries expire {@code config}'s time after they were last written. */
  public void enableTimeToLive(StateTtlConfig config) {
    this.ttl = config;
  }

  /** The TTL, or null when entries never expire. */
  public StateTtlConfig ttl() {
    return ttl;
  }

  /** Refuses a value type the codec cannot keep, naming the state. */
  public abstract void check();

  /** One value per key. */
  public static final class Value<T> extends StateDescriptor {
    private final Type type;

    public Value(String name, Type type) {
      super(name);
      this.type = type;
    }

    public Type type() {
      return type;
    }

    @Override
    public void check() {
      StateCodec.check(type, "value state '" + name() + "'");
    }
  }

  /** A list of values per key. */
  public static final class List<T> extends StateDescriptor {
    private final Type elementType;

    public List(String name, Type elementType) {
      super(name);
      this.elementType = elementType;
    }

    public Type elementType() {
      return elementType;
    }

    @Override
    public void check() {
      StateCodec.check(elementType, "list state '" + name() + "'");
    }
  }

  /** A map per key; keys are strings, integral numbers, booleans or enums. */
  public static final class Map<K, V> extends StateDescriptor {
    private final Type keyType;
    private final Type valueType;

    public Map(String name, Type keyType, Type valueType) {
      super(name);
      this.keyType = keyType;
      this.valueType = valueType;
    }

    public Type keyType() {
      return keyType;
    }

    public Type valueType() {
      return valueType;
    }

    @Override
    public void check() {
      StateCodec.check(new MapType(keyType, valueType), "map state '" + name() + "'");
    }
  }

  /** {@code java.util.Map<K, V>} as a type, to check keys and values in one go. */
  private record MapType(Type key, Type value) implements java.lang.reflect.ParameterizedType {
    @Override
    public Type[] getActualTypeArguments() {
      return new Type[] {key, value};
    }

    @Override
    public Type getRawType() {
      return java.util.Map.class;
    }

    @Override
    public Type getOwnerType() {
      return null;
    }
  }
}
