package io.keyflow.pipeline;

/**
 * Gives a {@link KeyedProcessFunction} its keyed state handles in {@code open}, as Flink's
 * {@code RuntimeContext}. A handle always reads and writes the state of the key being processed.
 */
public interface RuntimeContext {

  /** The pipeline's name. */
  String pipelineName();

  /** The key group this function instance serves. */
  int keyGroup();

  <T> ValueState<T> getState(ValueStateDescriptor<T> descriptor);

  <T> ListState<T> getListState(ListStateDescriptor<T> descriptor);

  <K, V> MapState<K, V> getMapState(MapStateDescriptor<K, V> descriptor);
}
