package io.keyflow.pipeline;

import java.time.Duration;

/**
 * Time-to-live of keyed state entries, as Flink's {@code StateTtlConfig} with its defaults: the clock
 * is processing time (the journaled time of the input being processed), an entry's time is refreshed
 * when it is created or written, and an expired entry is never returned. Expired entries are removed
 * when read and when the key's state is next written.
 */
public record StateTtlConfig(long ttlMillis) {

  public StateTtlConfig {
    if (ttlMillis <= 0) {
      throw new IllegalArgumentException("state TTL must be positive");
    }
  }

  /** Builder-shaped entry point, as in Flink. */
  public static Builder newBuilder(Duration ttl) {
    return new Builder(ttl);
  }

  /** Builds a {@link StateTtlConfig}. */
  public static final class Builder {
    private final Duration ttl;

    private Builder(Duration ttl) {
      this.ttl = ttl;
    }

    public StateTtlConfig build() {
      return new StateTtlConfig(ttl.toMillis());
    }
  }
}
