package io.keyflow.node.webhook;

import java.time.Duration;

/**
 * When the webhook sink tries a result again: after {@code min}, doubling per failed attempt, never
 * longer than {@code max}. A result is retried until the receiver accepts it (any 2xx): the sink is
 * at-least-once and in output order per key group, so it never skips one; the Idempotency-Key lets
 * the receiver drop the repeats.
 */
public record WebhookBackoff(Duration min, Duration max) {

  /** The wait after the {@code failedAttempts}-th failed attempt (1 = the first). */
  Duration delayAfter(int failedAttempts) {
    if (failedAttempts < 1) {
      throw new IllegalArgumentException("failedAttempts starts at 1");
    }
    int doublings = Math.min(failedAttempts - 1, 40);
    long millis = min.toMillis();
    for (int i = 0; i < doublings && millis < max.toMillis(); i++) {
      millis *= 2;
    }
    return Duration.ofMillis(Math.min(millis, max.toMillis()));
  }

  /** Whether the receiver's answer means the result is delivered. */
  static boolean accepted(int status) {
    return status >= 200 && status < 300;
  }
}
