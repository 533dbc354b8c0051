package io.keyflow.sharding;

import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every key group of every pipeline running somewhere in the cluster, so windows close and
 * timers fire without new input, also right after a failover: every {@code wake-interval} each node
 * wakes all key groups (a cheap message that starts, and if needed recovers, the entity). A sweep
 * in which every key group answered marks the node ready.
 *
 * <p>Sharding allocates a shard only when a message asks for it, so when a member is removed (the
 * moment its key groups become free) every node wakes all key groups at once, and again a few times
 * within the next seconds, without waiting for the next sweep or for a sweep still waiting on the
 * removed member's groups.
 */
public final class KeyGroupKeeper {

  private static final Logger log = LoggerFactory.getLogger(KeyGroupKeeper.class);
  /**
   * Wakes after a removal. A wake that reaches a node before the coordinator has freed the removed
   * member's shards goes to the dead region and is lost; the later ones find the new home. Waking a
   * running key group costs one message and one reply.
   */
  private static final List<Duration> REMOVAL_WAKES = List.of(
      Duration.ZERO, Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3));

  private final KeyGroupSharding sharding;
  private final ShardingSettings settings;
  private final AtomicBoolean allAwake = new AtomicBoolean(false);
  private final List<Runnable> onRemoval = new CopyOnWriteArrayList<>();
  private final AtomicBoolean sweeping = new AtomicBoolean(false);
  private final AtomicInteger lastAwake = new AtomicInteger();
  private final Cancellable schedule;

  private KeyGroupKeeper(ActorSystem<?> system, KeyGroupSharding sharding, ShardingSettings settings) {
    this.sharding = sharding;
    this.settings = settings;
    this.schedule = system.scheduler().scheduleWithFixedDelay(
        Duration.ZERO, settings.wakeInterval(), this::sweep, system.executionContext());
    ActorRef<ClusterEvent.MemberRemoved> onRemoved = system.systemActorOf(
        Behaviors.receiveMessage(removed -> {
          log.info("member {} removed: waking every key group", removed.member().address());
          for (Duration delay : REMOVAL_WAKES) {
            system.scheduler().scheduleOnce(delay, () -> {
              wakeAll();
              onRemoval.forEach(Runnable::run);
            }, system.executionContext());
          }
          return Behaviors.same();
        }), "keyflow-key-group-keeper", Props.empty());
    Cluster.get(system).subscriptions().tell(Subscribe.create(onRemoved, ClusterEvent.MemberRemoved.class));
  }

  /** Runs {@code action} each time the keeper wakes every key group after a member's removal. */
  public void onMemberRemoved(Runnable action) {
    onRemoval.add(action);
  }

  public static KeyGroupKeeper start(ActorSystem<?> system, KeyGroupSharding sharding, ShardingSettings settings) {
    return new KeyGroupKeeper(system, sharding, settings);
  }

  /** Whether the last completed sweep found every key group of every pipeline running. */
  public boolean allKeyGroupsRunning() {
    return allAwake.get();
  }

  /** Key groups that answered in the last completed sweep. */
  public int keyGroupsRunning() {
    return lastAwake.get();
  }

  public int keyGroupsTotal() {
    return sharding.stages().stream().mapToInt(PipelineDefinition::maxKeyGroups).sum();
  }

  public void stop() {
    schedule.cancel();
  }

  private void sweep() {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    List<CompletableFuture<Boolean>> wakes = wakeAll();
    CompletableFuture.allOf(wakes.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
      int awake = (int) wakes.stream().filter(CompletableFuture::join).count();
      boolean all = awake == wakes.size();
      if (all != allAwake.get()) {
        log.info("key groups running: {} of {}", awake, wakes.size());
      }
      lastAwake.set(awake);
      allAwake.set(all);
      sweeping.set(false);
    });
  }

  /** Wakes every key group of every stage; each future says whether its group answered in time. */
  private List<CompletableFuture<Boolean>> wakeAll() {
    List<CompletableFuture<Boolean>> wakes = new ArrayList<>();
    for (PipelineDefinition definition : sharding.stages()) {
      for (int kg = 0; kg < definition.maxKeyGroups(); kg++) {
        wakes.add(sharding.keyGroup(definition, kg)
            .<KeyGroupEntity.Awake>ask(KeyGroupEntity.Wake::new, settings.wakeTimeout())
            .handle((awake, failure) -> failure == null)
            .toCompletableFuture());
      }
    }
    return wakes;
  }
}
