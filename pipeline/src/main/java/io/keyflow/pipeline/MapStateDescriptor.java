package io.keyflow.pipeline;

/** Describes a {@link MapState}: {@code new MapStateDescriptor<>("perPage", String.class, Long.class)}. */
public final class MapStateDescriptor<K, V> {
  final StateDescriptor.Map<K, V> descriptor;

  public MapStateDescriptor(String name, Class<K> keyType, Class<V> valueType) {
    this.descriptor = new StateDescriptor.Map<>(name, keyType, valueType);
  }

  /** The descriptor the runtime uses. */
  public StateDescriptor.Map<K, V> descriptor() {
    return descriptor;
  }

  public String getName() {
    return descriptor.name();
  }

  /** Each entry expires on its own, {@code ttl} after it was last put. */
  public void enableTimeToLive(StateTtlConfig ttl) {
    descriptor.enableTimeToLive(ttl);
  }
}
