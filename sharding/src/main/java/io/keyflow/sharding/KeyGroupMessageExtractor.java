package io.keyflow.sharding;

import io.keyflow.persistence.KeyGroupEntity;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * Shard id = entity id = key group: one shard per key group, so the unit Pekko moves on a
 * rebalance is exactly Flink's unit of rescaling.
 */
final class KeyGroupMessageExtractor
    extends ShardingMessageExtractor<ShardingEnvelope<KeyGroupEntity.Command>, KeyGroupEntity.Command> {

  @Override
  public String entityId(ShardingEnvelope<KeyGroupEntity.Command> envelope) {
    return envelope.entityId();
  }

  @Override
  public String shardId(String entityId) {
    return entityId;
  }

  @Override
  public KeyGroupEntity.Command unwrapMessage(ShardingEnvelope<KeyGroupEntity.Command> envelope) {
    return envelope.message();
  }
}
