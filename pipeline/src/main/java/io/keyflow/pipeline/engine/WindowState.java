package io.keyflow.pipeline.engine;

import io.keyflow.pipeline.Record;
import java.util.ArrayList;
import java.util.List;

/**
 * One open window of one key: its bounds, whether it fired, and its contents — one accumulator per
 * built-in aggregation, or the neutral tree of an {@link io.keyflow.pipeline.AggregateFunction}'s
 * accumulator or of a reduced record, or every record (for a process window function).
 */
public final class WindowState {
  public long start;
  public long end;
  public boolean fired;
  public List<Accumulator> accumulators = new ArrayList<>();
  /** Neutral tree of the user accumulator (aggregate) or the reduced record's fields (reduce). */
  public Object acc;
  /** The records of the window (process window functions only), in arrival order. */
  public List<Record> elements;

  public WindowState() {}

  public WindowState(long start, long end, int aggregations) {
    this.start = start;
    this.end = end;
    for (int i = 0; i < aggregations; i++) {
      accumulators.add(new Accumulator());
    }
  }

  /** The last millisecond inside the window; the window fires when the watermark reaches it. */
  public long maxTimestamp() {
    return end - 1;
  }
}
