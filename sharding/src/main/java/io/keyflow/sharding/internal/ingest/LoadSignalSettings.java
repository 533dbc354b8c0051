package io.keyflow.sharding.internal.ingest;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of the node's load signal, read once from {@code keyflow.sharding.load-signal}.
 *
 * @param targetAckLatency the recent ack latency p99 at which the latency term of the signal reaches 1
 * @param window           how far back "recent" reaches for the 503 share and the latency p99
 */
public record LoadSignalSettings(Duration targetAckLatency, Duration window) {

  public LoadSignalSettings {
    if (targetAckLatency.isNegative() || targetAckLatency.isZero()) {
      throw new IllegalArgumentException("keyflow.sharding.load-signal.target-ack-latency must be positive");
    }
    if (window.toSeconds() < 1) {
      throw new IllegalArgumentException("keyflow.sharding.load-signal.window must be at least 1s, was " + window);
    }
  }

  public static LoadSignalSettings create(Config config) {
    Config c = config.getConfig("keyflow.sharding.load-signal");
    return new LoadSignalSettings(c.getDuration("target-ack-latency"), c.getDuration("window"));
  }
}
