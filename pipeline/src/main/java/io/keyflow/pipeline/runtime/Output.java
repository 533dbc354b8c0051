package io.keyflow.pipeline.runtime;

import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;

/**
 * An output of a key group's stage, numbered 1, 2, 3, ... within the key group: either a window
 * result, or a record that was too late for every window (the late side output).
 */
public record Output(long seq, WindowResult result, Record late) {

  public Output {
    if ((result == null) == (late == null)) {
      throw new IllegalArgumentException("an output is either a window result or a late record");
    }
  }

  public Output(long seq, WindowResult result) {
    this(seq, result, null);
  }

  /** Not named isLate: Jackson would take an is-getter for a property and clash with {@code late}. */
  public boolean holdsLateRecord() {
    return late != null;
  }
}
