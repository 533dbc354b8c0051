package io.keyflow.sharding.internal.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.keyflow.pipeline.KeyGroupRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyGroupShardsTest {

  @Test
  void oneKeyGroupPerShardGivesEachKeyGroupItsOwnShard() {
    KeyGroupShards shards = new KeyGroupShards(1);
    assertThat(shards.shardIds(128)).hasSize(128).startsWith("0", "1").endsWith("127");
    assertThat(shards.shardOf(127)).isEqualTo("127");
    assertThat(shards.rangeOf("127", 128)).isEqualTo(new KeyGroupRange(127, 128));
  }

  @Test
  void idsAreDecimalKeyGroupsAndQuotients() {
    KeyGroupShards shards = new KeyGroupShards(4);
    assertThat(shards.entityIdOf(42)).isEqualTo("42");
    assertThat(shards.keyGroupOf("42")).isEqualTo(42);
    assertThat(shards.shardOf(42)).isEqualTo("10");
    assertThat(shards.shardOfEntity("42")).isEqualTo("10");
    assertThat(new KeyGroupShards(1).shardOfEntity("42")).isEqualTo("42");
  }

  @Test
  void shardEdgesFallOnMultiplesOfKeyGroupsPerShard() {
    KeyGroupShards shards = new KeyGroupShards(4);
    assertThat(shards.shardOf(3)).isEqualTo("0");
    assertThat(shards.shardOf(4)).isEqualTo("1");
    assertThat(shards.rangeOf("0", 128)).isEqualTo(new KeyGroupRange(0, 4));
    assertThat(shards.rangeOf("31", 128)).isEqualTo(new KeyGroupRange(124, 128));
    assertThat(shards.shardIds(128)).hasSize(32).endsWith("31");
  }

  @Test
  void theLastShardIsPartialWhenKeyGroupsAreNotAMultiple() {
    KeyGroupShards shards = new KeyGroupShards(4);
    assertThat(shards.shardCount(130)).isEqualTo(33);
    assertThat(shards.shardIds(130)).endsWith("31", "32");
    assertThat(shards.rangeOf("32", 130)).isEqualTo(new KeyGroupRange(128, 130));
    assertThat(shards.rangeOf("32", 130).size()).isEqualTo(2);
  }

  @Test
  void everyKeyGroupRoundTripsThroughItsShardAndTheRangesCoverEachOnce() {
    for (int perShard : new int[] {1, 3, 4, 7, 128, 200}) {
      KeyGroupShards shards = new KeyGroupShards(perShard);
      int maxKeyGroups = 130;
      for (int kg = 0; kg < maxKeyGroups; kg++) {
        String shard = shards.shardOfEntity(shards.entityIdOf(kg));
        assertThat(shard).isEqualTo(shards.shardOf(kg));
        assertThat(shards.rangeOf(shard, maxKeyGroups).contains(kg)).as("key group %d in shard %s", kg, shard).isTrue();
      }
      List<String> ids = shards.shardIds(maxKeyGroups);
      assertThat(ids.stream().flatMapToInt(id -> shards.rangeOf(id, maxKeyGroups).keyGroups()).toArray())
          .as("%d per shard", perShard).containsExactly(KeyGroupRange.all(maxKeyGroups).keyGroups().toArray());
    }
  }

  @Test
  void aShardPastTheLastHoldsNoKeyGroups() {
    KeyGroupShards shards = new KeyGroupShards(4);
    assertThat(shards.rangeOf("40", 130).isEmpty()).isTrue();
    assertThat(shards.rangeOf("33", 130).isEmpty()).isTrue();
  }

  @Test
  void noKeyGroupsMeansNoShards() {
    assertThat(new KeyGroupShards(4).shardIds(0)).isEmpty();
  }

  @Test
  void refusesFewerThanOneKeyGroupPerShard() {
    assertThatThrownBy(() -> new KeyGroupShards(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
