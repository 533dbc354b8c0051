package io.keyflow.pipeline.runtime;

import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The whole state of one keyed stage in one key group: watermark, open windows of every key and
 * the event-time timers that close them. Changed only by {@link WindowOperator}; sorted maps keep
 * every iteration, and so every output order, deterministic for replay.
 *
 * <p>Mutable on purpose: a key group holds thousands of windows, and copying them per batch would
 * cost O(state) per journal event. The persistent entity changes it only in its event handler.
 */
public final class StageState {
  /** Highest event time seen, or Long.MIN_VALUE before the first record. */
  public long maxTimestamp = Long.MIN_VALUE;
  /** Current event-time watermark of this key group. */
  public long watermark = Long.MIN_VALUE;
  public long recordsApplied;
  public long lateRecordsDropped;
  /** Sequence number of the last output produced; outputs are numbered 1, 2, 3, ... */
  public long outputSeq;
  /** Processing time (epoch ms) of the last batch with records; Long.MIN_VALUE before the first. */
  public long lastInputProcessingTime = Long.MIN_VALUE;
  /** Processing time up to which idleness has already advanced the watermark. */
  public long idleAdvancedTo = Long.MIN_VALUE;
  /** key → window start → window. */
  public TreeMap<String, TreeMap<Long, WindowState>> windows = new TreeMap<>();
  /** event time → keys that have a window to fire or purge at that time. */
  public TreeMap<Long, TreeSet<String>> timers = new TreeMap<>();

  public StageState() {}
}
