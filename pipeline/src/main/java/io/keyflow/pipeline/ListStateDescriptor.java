package io.keyflow.pipeline;

/** Describes a {@link ListState}: {@code new ListStateDescriptor<>("seen", Click.class)}. */
public final class ListStateDescriptor<T> {
  final StateDescriptor.List<T> descriptor;

  public ListStateDescriptor(String name, Class<T> elementType) {
    this.descriptor = new StateDescriptor.List<>(name, elementType);
  }

  /** The descriptor the runtime uses. */
  public StateDescriptor.List<T> descriptor() {
    return descriptor;
  }

  public String getName() {
    return descriptor.name();
  }

  /** Each element expires on its own, {@code ttl} after it was added. */
  public void enableTimeToLive(StateTtlConfig ttl) {
    descriptor.enableTimeToLive(ttl);
  }
}
