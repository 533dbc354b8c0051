package io.keyflow.persistence.internal;

import io.keyflow.persistence.KeyGroupEntity.Command;
import io.keyflow.persistence.KeyGroupEntity.StopAfterHandOff;
import io.keyflow.persistence.KeyGroupEntity;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * When one {@link KeyGroupEntity} takes a snapshot besides every snapshot-every events: once
 * snapshot-interval passed and events came since the last one, and on hand-off, after which the
 * entity stops (on the snapshot's outcome, or at a deadline if that never comes). Used only from the
 * entity's own thread.
 */
public final class SnapshotPacing {

  private static final Duration HAND_OFF_SNAPSHOT_TIMEOUT = Duration.ofSeconds(5);

  private final ActorRef<Command> self;
  private final Duration interval;
  private long lastSnapshotSeq;
  private long lastSnapshotNanos = System.nanoTime();
  private boolean handingOff;
  private long handOffDeadline;

  /** {@code self}: the entity, told {@link StopAfterHandOff} once its hand-off snapshot is done. */
  public SnapshotPacing(ActorRef<Command> self, Duration interval) {
    this.self = self;
    this.interval = interval;
  }

  /** Recovery ended at journal sequence number {@code seq}: nothing after it to snapshot yet. */
  public void recovered(long seq) {
    lastSnapshotSeq = seq;
  }

  /** Whether the journal up to {@code seq} (the last sequence number) is in the last snapshot. */
  public boolean upToDate(long seq) {
    return seq == lastSnapshotSeq;
  }

  /** A hand-off snapshot was asked for. */
  public void handOff() {
    handingOff = true;
    // Stops on SnapshotCompleted/SnapshotFailed; the tick stops it anyway if that never comes.
    handOffDeadline = System.nanoTime() + HAND_OFF_SNAPSHOT_TIMEOUT.toNanos();
  }

  public boolean handingOff() {
    return handingOff;
  }

  /** Whether the hand-off snapshot took too long: stop without it. */
  public boolean handOffOverdue() {
    return System.nanoTime() > handOffDeadline;
  }

  /**
   * Whether an interval snapshot is due with the journal at {@code seq}; if so, the next interval
   * starts now.
   */
  public boolean intervalDue(long seq) {
    long unsnapshotted = seq - lastSnapshotSeq;
    if (unsnapshotted > 0 && System.nanoTime() - lastSnapshotNanos > interval.toNanos()) {
      lastSnapshotNanos = System.nanoTime();
      return true;
    }
    return false;
  }

  /** A snapshot at journal sequence number {@code seq} is stored. */
  public void completed(long seq) {
    lastSnapshotSeq = Math.max(lastSnapshotSeq, seq);
    lastSnapshotNanos = System.nanoTime();
    stopIfHandingOff();
  }

  /** A snapshot failed (the entity logs why). */
  public void failed() {
    stopIfHandingOff();
  }

  private void stopIfHandingOff() {
    if (handingOff) {
      self.tell(StopAfterHandOff.INSTANCE);
    }
  }
}
