package io.keyflow.sharding;

import io.keyflow.sharding.internal.failure.CrashDetectionSettings;
import io.keyflow.sharding.internal.failure.CrashDetector;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Downing of members whose process is gone, within about a second (docs/crash-detection.md). The
 * node starts it once; how it probes and decides is {@link CrashDetector}'s, and its settings are
 * read here from {@code keyflow.cluster.crash-detection}.
 */
public final class CrashDetection {

  private CrashDetection() {}

  /** Starts this node's detector (nothing when {@code keyflow.cluster.crash-detection.enabled} is off). */
  public static void start(ActorSystem<?> system) {
    CrashDetector.start(system, CrashDetectionSettings.create(system.settings().config()));
  }
}
