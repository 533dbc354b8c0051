package io.keyflow.sharding.internal.placement;

import io.keyflow.pipeline.KeyGroupRange;
import io.keyflow.sharding.internal.compat.ShardLayoutCompatChecker;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The shard layout: {@code keyGroupsPerShard} contiguous key groups to a Pekko shard, the last shard
 * of a stage smaller when its key groups are not a multiple of that. The one place that turns key
 * groups into entity and shard ids and back, so the extractor, the placement and the cluster view
 * cannot disagree.
 *
 * <p>The ids are stored state (the shard coordinator remembers shard ids, the journal is keyed by
 * entity id) and the layout is checked on join by {@link ShardLayoutCompatChecker}: an entity id is
 * the key group in decimal, a shard id is {@code keyGroup / keyGroupsPerShard} in decimal.
 *
 * @param keyGroupsPerShard contiguous key groups per shard, at least 1
 */
public record KeyGroupShards(int keyGroupsPerShard) {

  public KeyGroupShards {
    if (keyGroupsPerShard < 1) {
      throw new IllegalArgumentException("keyGroupsPerShard must be at least 1, was " + keyGroupsPerShard);
    }
  }

  /** The entity id of a key group. */
  public String entityIdOf(int keyGroup) {
    return Integer.toString(keyGroup);
  }

  /** The key group of an entity id. */
  public int keyGroupOf(String entityId) {
    return Integer.parseInt(entityId);
  }

  /** The shard id of a key group. */
  public String shardOf(int keyGroup) {
    return Integer.toString(keyGroup / keyGroupsPerShard);
  }

  /** The shard id of an entity id; with one key group per shard, the entity id itself. */
  public String shardOfEntity(String entityId) {
    return keyGroupsPerShard == 1 ? entityId : shardOf(keyGroupOf(entityId));
  }

  /**
   * The key groups of {@code shardId} in a stage of {@code maxKeyGroups} key groups. A shard id past
   * the stage's last holds none rather than failing: the cluster view maps whatever the regions report.
   */
  public KeyGroupRange rangeOf(String shardId, int maxKeyGroups) {
    long first = (long) Integer.parseInt(shardId) * keyGroupsPerShard;
    int end = (int) Math.min(maxKeyGroups, first + keyGroupsPerShard);
    return new KeyGroupRange((int) Math.min(first, end), end);
  }

  /** How many shards a stage of {@code maxKeyGroups} key groups has. */
  public int shardCount(int maxKeyGroups) {
    return maxKeyGroups <= 0 ? 0 : (maxKeyGroups - 1) / keyGroupsPerShard + 1;
  }

  /** Every shard id of a stage of {@code maxKeyGroups} key groups, in key-group order. */
  public List<String> shardIds(int maxKeyGroups) {
    return IntStream.range(0, shardCount(maxKeyGroups)).mapToObj(Integer::toString).toList();
  }
}
