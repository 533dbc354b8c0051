package io.keyflow.node.metrics;

import io.keyflow.persistence.CborSerializable;
import java.util.List;

/**
 * One pipeline stage on one node over one interval of {@link NodeFigures}: where its key groups
 * here stand in event time, and how long records and results waited on their way through it.
 * Latencies are the 99th percentile of the interval's samples ({@code NaN} when there were none).
 *
 * @param keyGroups        the stage's key groups running on the node
 * @param maxEventTimeSeconds the highest event time any of them has seen (s since the epoch; NaN: none yet)
 * @param slowest          the key groups with the lowest watermarks, lowest first (at most {@link #SLOWEST})
 * @param appliedP99Ms     records entering their key group's lane to applied (the first stage only)
 * @param writtenP99Ms     a write that fired results to the results store having them
 * @param forwardedP99Ms   a write that fired results to the next stage having applied them
 */
public record StageFigures(String pipeline, String stage, int keyGroups, double maxEventTimeSeconds,
    List<Watermark> slowest, double appliedP99Ms, double writtenP99Ms, double forwardedP99Ms)
    implements CborSerializable {

  /** Key groups listed per stage and node. */
  public static final int SLOWEST = 5;

  /** A key group's event-time watermark, in seconds since the epoch. */
  public record Watermark(int keyGroup, double seconds) implements CborSerializable {}

  public StageFigures {
    slowest = List.copyOf(slowest);
  }
}
