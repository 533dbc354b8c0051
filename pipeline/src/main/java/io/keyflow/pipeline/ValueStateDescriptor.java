package io.keyflow.pipeline;

/** Describes a {@link ValueState}: {@code new ValueStateDescriptor<>("count", Long.class)}. */
public final class ValueStateDescriptor<T> {
  final StateDescriptor.Value<T> descriptor;

  public ValueStateDescriptor(String name, Class<T> type) {
    this.descriptor = new StateDescriptor.Value<>(name, type);
  }

  /** For generic value types, e.g. a {@code java.lang.reflect.Type} of {@code List<String>}. */
  public ValueStateDescriptor(String name, java.lang.reflect.Type type) {
    this.descriptor = new StateDescriptor.Value<>(name, type);
  }

  /** The descriptor the runtime uses. */
  public StateDescriptor.Value<T> descriptor() {
    return descriptor;
  }

  public String getName() {
    return descriptor.name();
  }

  public void enableTimeToLive(StateTtlConfig ttl) {
    descriptor.enableTimeToLive(ttl);
  }
}
