package io.keyflow.persistence.results;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How long results, the results log and late records are kept: every insert carries
 * {@code USING TTL} of this many seconds ({@code keyflow.results.retention}; 0 keeps them forever).
 */
public record ResultsRetention(Duration retention) {

  /** Cassandra refuses a TTL above 20 years. */
  static final long MAX_TTL_SECONDS = 630_720_000L;

  public ResultsRetention {
    if (retention.isNegative() || retention.toSeconds() > MAX_TTL_SECONDS
        || (!retention.isZero() && retention.toSeconds() == 0)) {
      throw new IllegalArgumentException("keyflow.results.retention must be 0 (keep forever) or between 1s and "
          + MAX_TTL_SECONDS + "s, was " + retention);
    }
  }

  public static ResultsRetention create(Config config) {
    return new ResultsRetention(config.getDuration("keyflow.results.retention"));
  }

  /** The TTL of each written row in seconds; 0 means no expiry. */
  public int ttlSeconds() {
    return (int) retention.toSeconds();
  }
}
