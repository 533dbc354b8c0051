package io.keyflow.persistence.internal;

import io.micrometer.core.instrument.Timer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * How long a key group's fired results wait for one destination (the results store, or the next
 * stage's journal): the outbox's sequence numbers are stamped when the write that produced them is
 * confirmed (the firing is durable), and the time to the destination's confirmation is recorded in
 * {@code timer}, once per such write, not per result. Outputs already in the outbox at recovery
 * fired on an earlier incarnation, at a time this one does not know: they are not timed. Bounded:
 * at most {@code maxPending} stamps wait; while a destination is down for long, newer firings go
 * untimed rather than grow the memory. Used from the entity's own thread only.
 */
public final class FiringLag {

  private final Timer timer;
  private final int maxPending;
  /** {sequence number of the last output of a write, nanoTime of its confirmation}, oldest first. */
  private final ArrayDeque<long[]> pending = new ArrayDeque<>();
  /** Outputs up to this sequence number are stamped, or fired before this incarnation. */
  private long stampedUpTo;

  FiringLag(Timer timer, int maxPending) {
    this.timer = timer;
    this.maxPending = maxPending;
  }

  /** After recovery: the outputs up to {@code lastSeq} fired earlier and are not timed. */
  void recovered(long lastSeq) {
    stampedUpTo = Math.max(stampedUpTo, lastSeq);
  }

  /** A write was confirmed and the outbox's last output is {@code lastSeq} (0: empty). */
  void fired(long lastSeq, long nowNanos) {
    if (lastSeq <= stampedUpTo) {
      return;
    }
    stampedUpTo = lastSeq;
    if (pending.size() < maxPending) {
      pending.addLast(new long[] {lastSeq, nowNanos});
    }
  }

  /** The destination has every output up to {@code upToSeq}: the writes that fired them are timed. */
  void confirmed(long upToSeq, long nowNanos) {
    while (!pending.isEmpty() && pending.peekFirst()[0] <= upToSeq) {
      timer.record(nowNanos - pending.removeFirst()[1], TimeUnit.NANOSECONDS);
    }
  }

  int pending() {
    return pending.size();
  }
}
