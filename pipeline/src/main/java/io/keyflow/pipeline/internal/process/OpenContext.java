package io.keyflow.pipeline.internal.process;

import io.keyflow.pipeline.ListState;
import io.keyflow.pipeline.ListStateDescriptor;
import io.keyflow.pipeline.MapState;
import io.keyflow.pipeline.MapStateDescriptor;
import io.keyflow.pipeline.RuntimeContext;
import io.keyflow.pipeline.StateDescriptor;
import io.keyflow.pipeline.ValueState;
import io.keyflow.pipeline.ValueStateDescriptor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link RuntimeContext} a {@code KeyedProcessFunction} gets in {@code open}: where it declares
 * its keyed state. Each declaration is checked at once (a state type the codec cannot keep fails when
 * the pipeline starts, not at the first snapshot) and yields a handle that reads and writes the state
 * of whichever key the operator has in scope.
 */
final class OpenContext implements RuntimeContext {

  private final String pipeline;
  private final int keyGroup;
  private final KeyedStateHandles.Scope scope;
  private final Map<String, StateDescriptor> descriptors = new LinkedHashMap<>();

  OpenContext(String pipeline, int keyGroup, KeyedStateHandles.Scope scope) {
    this.pipeline = pipeline;
    this.keyGroup = keyGroup;
    this.scope = scope;
  }

  @Override
  public String pipelineName() {
    return pipeline;
  }

  @Override
  public int keyGroup() {
    return keyGroup;
  }

  @Override
  public <T> ValueState<T> getState(ValueStateDescriptor<T> descriptor) {
    register(descriptor.descriptor());
    return new KeyedStateHandles.Value<>(scope, descriptor.descriptor());
  }

  @Override
  public <T> ListState<T> getListState(ListStateDescriptor<T> descriptor) {
    register(descriptor.descriptor());
    return new KeyedStateHandles.ListHandle<>(scope, descriptor.descriptor());
  }

  @Override
  public <K, V> MapState<K, V> getMapState(MapStateDescriptor<K, V> descriptor) {
    register(descriptor.descriptor());
    return new KeyedStateHandles.MapHandle<>(scope, descriptor.descriptor());
  }

  private void register(StateDescriptor d) {
    StateDescriptor previous = descriptors.putIfAbsent(d.name(), d);
    if (previous != null && previous.getClass() != d.getClass()) {
      throw new IllegalArgumentException("state '" + d.name() + "' is declared twice with different kinds");
    }
    d.check();
  }
}
