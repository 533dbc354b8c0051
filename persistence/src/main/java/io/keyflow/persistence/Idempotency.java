package io.keyflow.persistence;

/**
 * What a request's idempotency is decided with: the {@link Claim} a request makes on its home key
 * group (the key group of its Idempotency-Key or Producer-Id), the {@link Verdict} and {@link Ticket}
 * it gets back, and what the home group journals of the tickets it gave ({@link KeyClaimed},
 * {@link ProducerSeqClaimed}, in {@link KeyGroupEntity.BatchApplied}). The rules live in the entity's
 * internals ({@code IdempotencyRules}); the contract is docs/idempotency.md.
 *
 * <p>These are fields of messages and events, never sent or stored on their own: serializers write no
 * class name for them.
 */
public final class Idempotency {

  private Idempotency() {}

  /**
   * A request asks its home key group (the hash of its Idempotency-Key or Producer-Id) for a
   * ticket: by {@code key} with the body's {@code fingerprint} and the client's optional
   * first-sent time (0: none), or by producer id, epoch and sequence number ({@code key} null).
   */
  public record Claim(String key, String fingerprint, long firstSentAt, String producerId, long producerEpoch,
      long producerSeq) implements CborSerializable {

    public static Claim byKey(String key, String fingerprint, long firstSentAt) {
      return new Claim(key, fingerprint, firstSentAt, null, 0, 0);
    }

    public static Claim byProducer(String producerId, long epoch, long seq) {
      return new Claim(null, null, 0, producerId, epoch, seq);
    }

    /** The string whose key group is this claim's home. */
    public String homeKey() {
      return key != null ? "idempotency-key/" + key : "producer/" + producerId;
    }
  }

  /** A home group's answer to a {@link Claim}. */
  public enum Verdict {
    /** First time: a new ticket, journaled. */
    NEW,
    /** A retry of a request the home group knows (same body): the same ticket; parts are deduplicated. */
    SEEN,
    /** The Idempotency-Key was first used with another body (HTTP 422). */
    DIFFERENT_BODY,
    /** Older than the idempotency window: whether it was applied cannot be told (HTTP 409). */
    TOO_OLD,
    /** A higher epoch of this producer exists (HTTP 409). */
    FENCED,
    /** An unknown producer (or a new epoch) that does not start at sequence 0 (HTTP 409). */
    OUT_OF_SEQUENCE;

    /** Whether the request goes on to its key groups with the ticket. */
    public boolean proceeds() {
      return this == NEW || this == SEEN;
    }
  }

  /** The verdict on a claim and, when it proceeds, the ticket its parts carry. */
  public record Ticket(Verdict verdict, String source, long seq, long firstSeen) implements CborSerializable {

    public Ticket withVerdict(Verdict other) {
      return new Ticket(other, source, seq, firstSeen);
    }
  }

  /** An Idempotency-Key's first body fingerprint and the ticket it got. */
  public record KeyClaimed(String key, String fingerprint, long seq, long firstSeen) implements CborSerializable {}

  /** A producer's sequence number (in its epoch) and the ticket it got. */
  public record ProducerSeqClaimed(String producerId, long epoch, long producerSeq, long seq, long firstSeen)
      implements CborSerializable {}
}
