package io.keyflow.persistence;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.actor.typed.ExtensionSetup;

/**
 * The node's Micrometer registry, reachable from any actor or class holding the {@link ActorSystem}.
 * The node installs its Prometheus registry with {@link #setup(MeterRegistry)} when it creates the
 * system; without that (tests, tools) meters go to a {@link SimpleMeterRegistry} of this system's own.
 *
 * <p>Meters are created once by their owners (per key group at entity start, per node at start) and
 * kept; nothing on a hot path looks a meter up by name.
 */
public final class KeyflowMetrics implements Extension {

  /** The extension's id; {@code KeyflowMetrics.get(system)} is the usual way in. */
  public static final ExtensionId<KeyflowMetrics> ID = new ExtensionId<>() {
    @Override
    public KeyflowMetrics createExtension(ActorSystem<?> system) {
      return new KeyflowMetrics(new SimpleMeterRegistry());
    }
  };

  /** Bucket bounds of every latency histogram, so one Grafana panel reads them all alike. */
  private static final Duration[] LATENCY_SLOS = {
      Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private final MeterRegistry registry;
  private final Map<Tags, AtomicInteger> keyGroupsHeld = new ConcurrentHashMap<>();

  private KeyflowMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public static KeyflowMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Pass to the ActorSystem's setup so that every meter of this system goes to {@code registry}. */
  public static ExtensionSetup<KeyflowMetrics> setup(MeterRegistry registry) {
    return new ExtensionSetup<>(ID, system -> new KeyflowMetrics(registry)) {};
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * Key groups of one stage running on this node ({@code keyflow_key_groups}); the counter behind the
   * gauge, shared by that stage's entities, which add themselves at start and remove themselves at stop.
   */
  public AtomicInteger keyGroupsHeld(String pipeline, String stage) {
    return keyGroupsHeld.computeIfAbsent(Tags.of("pipeline", pipeline, "stage", stage), tags -> {
      AtomicInteger held = new AtomicInteger();
      Gauge.builder("keyflow.key.groups", held, AtomicInteger::get).tags(tags).strongReference(true)
          .description("Key groups of a pipeline stage running on this node").register(registry);
      return held;
    });
  }

  /**
   * A latency histogram exported with its buckets ({@code _bucket}, {@code _count}, {@code _sum}):
   * registered once per name and tags, the same meter returned to every later caller.
   */
  public static Timer latency(MeterRegistry registry, String name, String description, Tags tags) {
    return Timer.builder(name).tags(tags).description(description)
        .publishPercentileHistogram().serviceLevelObjectives(LATENCY_SLOS)
        .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  /** From a window firing (the key group's write that produced results) to the results store having them. */
  public Timer resultsWrittenLag(String pipeline, String stage) {
    return latency(registry, "keyflow.results.written.lag",
        "From a key group's write that fired results to the results store having them (one sample per such write)",
        Tags.of("pipeline", pipeline, "stage", stage));
  }

  /** From a window firing to the next stage's key groups having the results in their journal. */
  public Timer forwardedLag(String pipeline, String stage) {
    return latency(registry, "keyflow.stage.forwarded.lag",
        "From a key group's write that fired results to the next stage having applied them (one sample per such write)",
        Tags.of("pipeline", pipeline, "stage", stage));
  }
}
