package io.keyflow.sharding.internal.placement;

import io.keyflow.persistence.KeyGroupEntity;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * Entity id = key group; shard id = the key group's range of {@code keyGroupsPerShard} contiguous
 * key groups, both as {@link KeyGroupShards} spells them (as Flink gives each subtask a contiguous key-group range). With one key group per
 * shard the unit Pekko moves on a rebalance is exactly Flink's unit of rescaling; larger shards mean
 * fewer shard allocations, each a coordinator state write, when a failed node's key groups move.
 */
public final class KeyGroupMessageExtractor
    extends ShardingMessageExtractor<ShardingEnvelope<KeyGroupEntity.Command>, KeyGroupEntity.Command> {

  @Override
  public String entityId(ShardingEnvelope<KeyGroupEntity.Command> envelope) {
    return envelope.entityId();
  }

  private final KeyGroupShards shards;

  public KeyGroupMessageExtractor(KeyGroupShards shards) {
    this.shards = shards;
  }

  @Override
  public String shardId(String entityId) {
    return shards.shardOfEntity(entityId);
  }

  @Override
  public KeyGroupEntity.Command unwrapMessage(ShardingEnvelope<KeyGroupEntity.Command> envelope) {
    return envelope.message();
  }
}
