package io.keyflow.pipeline;

/** A window {@code [start, end)} in milliseconds; it fires when the watermark reaches {@link #maxTimestamp()}. */
public record TimeWindow(long start, long end) {

  public long maxTimestamp() {
    return end - 1;
  }
}
