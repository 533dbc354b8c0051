package io.keyflow.sharding;

import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.ResultsSink;
import io.keyflow.persistence.StageForwarder;
import io.keyflow.persistence.entity.KeyGroupBehavior;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.internal.placement.KeyGroupMessageExtractor;
import io.keyflow.sharding.internal.placement.KeyGroupShards;
import io.keyflow.sharding.internal.placement.RendezvousAllocationStrategy;
import io.keyflow.sharding.internal.placement.ShardedStageForwarder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The key-group entities of every pipeline, sharded over the cluster: one entity type per
 * pipeline stage, one entity per key group, {@code key-groups-per-shard} contiguous key groups per shard. A stage with a next stage forwards its
 * results to that stage's entities.
 */
public final class KeyGroupSharding {

  private final ClusterSharding sharding;
  private final Map<String, PipelineDefinition> pipelines;
  private final List<PipelineDefinition> stages;

  private final KeyGroupShards shards;

  private KeyGroupSharding(ClusterSharding sharding, Map<String, PipelineDefinition> pipelines, KeyGroupShards shards) {
    this.sharding = sharding;
    this.shards = shards;
    this.pipelines = Map.copyOf(pipelines);
    List<PipelineDefinition> all = new ArrayList<>();
    pipelines.values().forEach(p -> all.addAll(p.stages()));
    this.stages = List.copyOf(all);
  }

  /** The entity type of a pipeline's keyed stage: {@code keyflow-<pipeline>-<stage>}. */
  public static EntityTypeKey<KeyGroupEntity.Command> typeKey(PipelineDefinition definition) {
    return EntityTypeKey.create(KeyGroupEntity.Command.class,
        "keyflow-" + definition.name() + "-" + definition.stage());
  }

  /** Starts the shard regions of every pipeline on this node. */
  public static KeyGroupSharding init(
      ActorSystem<?> system, Map<String, PipelineDefinition> pipelines, ResultsSink sink, PersistenceSettings settings) {
    ClusterSharding sharding = ClusterSharding.get(system);
    ShardingSettings shardingSettings = ShardingSettings.create(system.settings().config());
    KeyGroupShards shards = new KeyGroupShards(shardingSettings.keyGroupsPerShard());
    for (PipelineDefinition definition : pipelines.values().stream().flatMap(p -> p.stages().stream()).toList()) {
      StageForwarder forwarder = definition.next() == null ? null
          : new ShardedStageForwarder(sharding, shards, typeKey(definition.next()), shardingSettings.askTimeout());
      Entity<KeyGroupEntity.Command, ShardingEnvelope<KeyGroupEntity.Command>> entity = Entity.of(typeKey(definition),
              context -> KeyGroupBehavior.create(definition, shards.keyGroupOf(context.getEntityId()), sink, forwarder, settings))
          .withMessageExtractor(new KeyGroupMessageExtractor(shards))
          .withStopMessage(KeyGroupEntity.HandOff.INSTANCE);
      if (shardingSettings.allocation().equals("rendezvous")) {
        entity = entity.withAllocationStrategy(
            new RendezvousAllocationStrategy(system, shardingSettings.maxMovesPerRound(),
                shards.keyGroupsPerShard(), shards.shardIds(definition.maxKeyGroups()),
                definition.name(), definition.stage()));
      }
      sharding.init(entity);
    }
    return new KeyGroupSharding(sharding, pipelines, shards);
  }

  /** Pipelines by name, each as its first stage (the one HTTP events enter). */
  public Map<String, PipelineDefinition> pipelines() {
    return pipelines;
  }

  /** Every stage of every pipeline. */
  public List<PipelineDefinition> stages() {
    return stages;
  }

  /** The entity of one key group of a pipeline. */
  public EntityRef<KeyGroupEntity.Command> keyGroup(PipelineDefinition definition, int keyGroup) {
    return sharding.entityRefFor(typeKey(definition), shards.entityIdOf(keyGroup));
  }

  /**
   * Queryable state of one key in {@code stage}, asked of the key group that holds it (which may
   * have to recover or move first: {@code timeout} should cover that).
   */
  public CompletionStage<KeyGroupEntity.KeyStateView> keyState(PipelineDefinition stage, String key, Duration timeout) {
    return keyGroup(stage, stage.keyGroupOf(key))
        .ask(replyTo -> new KeyGroupEntity.GetKeyState(key, replyTo), timeout);
  }

  /** The shard layout of every stage ({@code keyflow.sharding.key-groups-per-shard}). */
  public KeyGroupShards shards() {
    return shards;
  }

  public ClusterSharding sharding() {
    return sharding;
  }
}
