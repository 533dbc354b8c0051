package io.keyflow.persistence;

import java.util.TreeMap;

/**
 * What a producer's home key group knows of it ({@code Producer-Id} / {@code Producer-Epoch} /
 * {@code Producer-Seq}): its current epoch, the sequence numbers it sent within the idempotency
 * window (each with the home-group ticket it got), and the floor below which a sequence number is
 * too old to tell. A set, not a last-seq: seq 4 arriving after seq 5 (through another node) is new.
 *
 * <p>Mutable (changed in place by the event handler only); serialized by Jackson (public fields). Part
 * of {@link IdempotencyState}, stored as a field (why it lives here: see there).
 */
public final class ProducerWindow {
  public long epoch;
  /** Producer sequence numbers below this were forgotten: too old to tell whether they were applied. */
  public long floor;
  /** Journaled time of the producer's latest new sequence number (the producer state's own expiry). */
  public long lastActive;
  /** Producer sequence number → the home ticket (sequence number, first-seen time) it was given. */
  public TreeMap<Long, Ticketed> seqs = new TreeMap<>();

  public ProducerWindow() {}

  /** A home-group ticket: request sequence number of the home source and its first-seen time. */
  public record Ticketed(long seq, long firstSeen) implements CborSerializable {}

  /** Forgets the sequence numbers first seen before {@code horizon}, lowest first. */
  public void forgetBefore(long horizon) {
    while (!seqs.isEmpty() && seqs.firstEntry().getValue().firstSeen() < horizon) {
      floor = Math.max(floor, seqs.pollFirstEntry().getKey() + 1);
    }
  }
}
