package io.keyflow.persistence;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
  AtomicInteger keyGroupsHeld(String pipeline, String stage) {
    return keyGroupsHeld.computeIfAbsent(Tags.of("pipeline", pipeline, "stage", stage), tags -> {
      AtomicInteger held = new AtomicInteger();
      Gauge.builder("keyflow.key.groups", held, AtomicInteger::get).tags(tags).strongReference(true)
          .description("Key groups of a pipeline stage running on this node").register(registry);
      return held;
    });
  }
}
