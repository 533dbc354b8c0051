package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import io.keyflow.pipeline.OutputTag;
import io.keyflow.pipeline.ProcessWindowFunction;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.TimeWindow;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.StageState;
import io.keyflow.pipeline.internal.UserCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link ProcessWindowFunction}: the window keeps every record in {@link WindowState#elements}, in
 * arrival order, because the function sees them all at every firing (a re-fire included).
 */
final class ProcessWindowContents implements WindowContents {

  private final ProcessWindowFunction<Object> processWindow;

  @SuppressWarnings("unchecked")
  ProcessWindowContents(ProcessWindowFunction<?> processWindow) {
    this.processWindow = (ProcessWindowFunction<Object>) processWindow;
  }

  @Override
  public void init(WindowState window) {
    window.elements = new ArrayList<>();
  }

  @Override
  public boolean add(StageState state, WindowState window, Record record) {
    window.elements.add(record);
    return true;
  }

  @Override
  public void merge(StageState state, WindowState into, WindowState from) {
    into.elements.addAll(from.elements);
  }

  /** Queryable state cannot run the function early, so an open window shows how much it holds. */
  @Override
  public Map<String, Object> values(WindowState window) {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("elements", (long) window.elements.size());
    return values;
  }

  @Override
  public void fire(StageState state, String key, WindowState window, List<Output> outputs) {
    FiringContext ctx = new FiringContext(state, key, window, outputs);
    try {
      processWindow.process(key, ctx, List.copyOf(window.elements), ctx::collect);
    } catch (Exception e) {
      UserCode.functionFailed(state, "process window [" + window.start + ", " + window.end + ") of " + key, e);
    }
  }

  /** The context of one firing; valid during the call only, it numbers the outputs in order. */
  private static final class FiringContext implements ProcessWindowFunction.Context {
    private final StageState state;
    private final String key;
    private final WindowState window;
    private final List<Output> outputs;

    FiringContext(StageState state, String key, WindowState window, List<Output> outputs) {
      this.state = state;
      this.key = key;
      this.window = window;
      this.outputs = outputs;
    }

    void collect(Object value) {
      state.outputSeq++;
      outputs.add(new Output(state.outputSeq, result(value)));
    }

    @Override
    public TimeWindow window() {
      return new TimeWindow(window.start, window.end);
    }

    @Override
    public long currentWatermark() {
      return state.watermark;
    }

    @Override
    public long currentProcessingTime() {
      return state.processingTime;
    }

    @Override
    public <X> void output(OutputTag<X> tag, X value) {
      state.outputSeq++;
      outputs.add(new Output(state.outputSeq, result(value), null, tag.name()));
    }

    private WindowResult result(Object value) {
      return new WindowResult(key, window.start, window.end, UserCode.valuesOf(value));
    }
  }
}
