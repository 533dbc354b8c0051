package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.WindowSpec;

/**
 * Tumbling and sliding windows, read once from the spec: windows of {@code size} starting every
 * {@code slide} (a tumbling window slides by its size), aligned to the epoch plus {@code offset}.
 */
record AlignedWindows(long size, long slide, long offset) {

  /** The aligned windows of {@code spec}, or null for sessions, whose bounds depend on the records. */
  static AlignedWindows of(WindowSpec spec) {
    if (spec instanceof WindowSpec.Tumbling t) {
      return new AlignedWindows(t.sizeMillis(), t.sizeMillis(), t.offsetMillis());
    }
    if (spec instanceof WindowSpec.Sliding s) {
      return new AlignedWindows(s.sizeMillis(), s.slideMillis(), s.offsetMillis());
    }
    return null;
  }

  /**
   * The start of the latest window holding {@code timestamp}; the others start {@code slide} earlier
   * each, down to (excluding) {@code timestamp − size}.
   */
  long lastStart(long timestamp) {
    return timestamp - Math.floorMod(timestamp - offset, slide);
  }
}
