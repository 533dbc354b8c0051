package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.Accumulator;
import io.keyflow.pipeline.engine.WindowState;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.engine.StageState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Built-in aggregations: one {@link Accumulator} per aggregation, in the pipeline's order. */
final class BuiltInAggregationContents implements WindowContents {

  private final List<Aggregation> aggregations;

  BuiltInAggregationContents(List<Aggregation> aggregations) {
    this.aggregations = aggregations;
  }

  @Override
  public boolean add(StageState state, WindowState window, Record record) {
    padAccumulators(window);
    for (int i = 0; i < aggregations.size(); i++) {
      Aggregation a = aggregations.get(i);
      window.accumulators.get(i).add(a.field() == null ? null : record.field(a.field()));
    }
    return true;
  }

  @Override
  public void merge(StageState state, WindowState into, WindowState from) {
    padAccumulators(from);
    for (int i = 0; i < aggregations.size(); i++) {
      into.accumulators.get(i).merge(from.accumulators.get(i));
    }
  }

  @Override
  public Map<String, Object> values(WindowState window) {
    padAccumulators(window);
    Map<String, Object> values = new LinkedHashMap<>();
    for (int i = 0; i < aggregations.size(); i++) {
      Aggregation a = aggregations.get(i);
      values.put(a.name(), window.accumulators.get(i).result(a.fn()));
    }
    return values;
  }

  /**
   * A window stored before aggregations were appended to the pipeline (a compatible change, see
   * {@link io.keyflow.pipeline.engine.PipelineSignature}) gets empty accumulators for the new ones.
   */
  private void padAccumulators(WindowState window) {
    while (window.accumulators.size() < aggregations.size()) {
      window.accumulators.add(new Accumulator());
    }
  }
}
