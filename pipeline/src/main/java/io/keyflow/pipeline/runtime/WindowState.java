package io.keyflow.pipeline.runtime;

import java.util.ArrayList;
import java.util.List;

/** One open window of one key: its bounds, whether it fired, and one accumulator per aggregation. */
public final class WindowState {
  public long start;
  public long end;
  public boolean fired;
  public List<Accumulator> accumulators = new ArrayList<>();

  public WindowState() {}

  WindowState(long start, long end, int aggregations) {
    this.start = start;
    this.end = end;
    for (int i = 0; i < aggregations; i++) {
      accumulators.add(new Accumulator());
    }
  }

  /** The last millisecond inside the window; the window fires when the watermark reaches it. */
  long maxTimestamp() {
    return end - 1;
  }
}
