package io.keyflow.pipeline.engine;

import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;

/**
 * An output of a key group's stage, numbered 1, 2, 3, ... within the key group: a result (of a window,
 * or of a process function at a timestamp), a result sent to the side output {@code tag}, or a record
 * that was too late for every window (the late side output).
 */
public record Output(long seq, WindowResult result, Record late, String tag) {

  public Output {
    if ((result == null) == (late == null)) {
      throw new IllegalArgumentException("an output is either a result or a late record");
    }
  }

  public Output(long seq, WindowResult result) {
    this(seq, result, null, null);
  }

  public Output(long seq, WindowResult result, Record late) {
    this(seq, result, late, null);
  }

  /** Not named isLate: Jackson would take an is-getter for a property and clash with {@code late}. */
  public boolean holdsLateRecord() {
    return late != null;
  }
}
