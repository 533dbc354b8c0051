package io.keyflow.sharding.internal.failure;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of {@link CrashDetector}, read from {@code keyflow.cluster.crash-detection}.
 *
 * @param enabled        whether nodes probe each other's remoting ports at all
 * @param probeInterval  how often each node tries every other member's remoting port
 * @param refusals       refusals in a row before a node asks the others to confirm
 * @param connectTimeout one connection attempt (a host that drops packets: no verdict)
 * @param checkTimeout   how long a node waits for the others' confirmations
 */
public record CrashDetectionSettings(
    boolean enabled, Duration probeInterval, int refusals, Duration connectTimeout, Duration checkTimeout) {

  public CrashDetectionSettings {
    if (refusals < 1) {
      throw new IllegalArgumentException("keyflow.cluster.crash-detection.refusals must be at least 1, was " + refusals);
    }
  }

  public static CrashDetectionSettings create(Config config) {
    Config c = config.getConfig("keyflow.cluster.crash-detection");
    return new CrashDetectionSettings(c.getBoolean("enabled"), c.getDuration("probe-interval"), c.getInt("refusals"),
        c.getDuration("connect-timeout"), c.getDuration("check-timeout"));
  }
}
