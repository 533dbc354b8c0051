package io.keyflow.pipeline.engine;

import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The whole state of one keyed stage in one key group: watermark, open windows of every key, keyed
 * state of a process function, and timers. Changed only by a {@link StageOperator}; sorted maps keep
 * every iteration, and so every output order, deterministic for replay.
 *
 * <p>Mutable on purpose: a key group holds thousands of windows, and copying them per batch would
 * cost O(state) per journal event. The persistent entity changes it only in its event handler.
 * Serializable by Jackson and by {@link StateCodec} (public fields only).
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
  /** The latest processing time of any input (the clock of processing-time timers and state TTL). */
  public long processingTime = Long.MIN_VALUE;
  /** User-function calls that threw (the record or timer was skipped), and the last message. */
  public long functionErrors;
  public String lastFunctionError;
  /** key → window start → window. */
  public TreeMap<String, TreeMap<Long, WindowState>> windows = new TreeMap<>();
  /** event time → keys with a window to fire or purge, or an event-time timer, at that time. */
  public TreeMap<Long, TreeSet<String>> timers = new TreeMap<>();
  /** processing time → keys with a processing-time timer at that time. */
  public TreeMap<Long, TreeSet<String>> processingTimers = new TreeMap<>();
  /** key → keyed state of a process function. */
  public TreeMap<String, KeyState> keyed = new TreeMap<>();

  public StageState() {}
}
