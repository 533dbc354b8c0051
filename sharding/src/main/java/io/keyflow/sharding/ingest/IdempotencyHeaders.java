package io.keyflow.sharding.ingest;

import io.keyflow.persistence.Idempotency;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The idempotency headers of an ingest request (docs/idempotency.md): {@code Idempotency-Key} (1 to
 * 200 characters) with an optional {@code Idempotency-First-Sent} (epoch ms of the client's first
 * attempt, so that a retry older than the window is refused with 409 instead of applied again), or
 * the producer triple {@code Producer-Id} / {@code Producer-Epoch} / {@code Producer-Seq}. Not both.
 * Parsed by the HTTP route (a malformed header is its 400); turned into the claim the home key group
 * judges by {@link Ingestion}, so the rule of which request counts as a retry lives here, in one
 * module.
 */
public record IdempotencyHeaders(String key, long firstSentAt, String producerId, long producerEpoch, long producerSeq) {

  /** Reads the headers through {@code header} (name → value or null); fails with the 400's message. */
  public static IdempotencyHeaders parse(Function<String, String> header) {
    String key = header.apply("Idempotency-Key");
    if (key != null && (key.isBlank() || key.length() > 200)) {
      throw new IllegalArgumentException("Idempotency-Key must be 1 to 200 characters");
    }
    long firstSentAt = number(header, "Idempotency-First-Sent", 0);
    if (firstSentAt != 0 && key == null) {
      throw new IllegalArgumentException("Idempotency-First-Sent needs an Idempotency-Key");
    }
    String producer = header.apply("Producer-Id");
    boolean epochOrSeq = header.apply("Producer-Epoch") != null || header.apply("Producer-Seq") != null;
    if (producer == null) {
      if (epochOrSeq) {
        throw new IllegalArgumentException("Producer-Epoch and Producer-Seq need a Producer-Id");
      }
      return new IdempotencyHeaders(key, firstSentAt, null, 0, 0);
    }
    if (key != null) {
      throw new IllegalArgumentException("send either an Idempotency-Key or Producer-Id/Producer-Epoch/Producer-Seq, not both");
    }
    if (producer.isBlank() || producer.length() > 200) {
      throw new IllegalArgumentException("Producer-Id must be 1 to 200 characters");
    }
    if (header.apply("Producer-Seq") == null) {
      throw new IllegalArgumentException("Producer-Id needs a Producer-Seq");
    }
    long epoch = number(header, "Producer-Epoch", 0);
    long seq = number(header, "Producer-Seq", 0);
    if (epoch < 0 || seq < 0) {
      throw new IllegalArgumentException("Producer-Epoch and Producer-Seq must not be negative");
    }
    return new IdempotencyHeaders(null, 0, producer, epoch, seq);
  }

  /**
   * The claim for the request's home key group, or null for a keyless request. An Idempotency-Key
   * claim carries the body's fingerprint: the same key must come back with the same bytes.
   */
  Idempotency.Claim claim(String media, byte[] body) {
    return claim(() -> fingerprint(media, body));
  }

  private Idempotency.Claim claim(Supplier<String> fingerprint) {
    if (key != null) {
      return Idempotency.Claim.byKey(key, fingerprint.get(), firstSentAt);
    }
    return producerId != null ? Idempotency.Claim.byProducer(producerId, producerEpoch, producerSeq) : null;
  }

  private static long number(Function<String, String> header, String name, long absent) {
    String value = header.apply(name);
    if (value == null) {
      return absent;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, was '" + value + "'");
    }
  }

  /** SHA-256 (first 128 bits) of the media type and the body. */
  static String fingerprint(String media, byte[] body) {
    try {
      var digest = MessageDigest.getInstance("SHA-256");
      digest.update(media.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      return HexFormat.of().formatHex(digest.digest(body), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }
}
