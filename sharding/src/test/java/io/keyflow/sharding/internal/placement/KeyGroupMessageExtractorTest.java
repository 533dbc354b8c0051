package io.keyflow.sharding.internal.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyGroupMessageExtractorTest {

  @Test
  void oneKeyGroupPerShardKeepsTheKeyGroupAsShardId() {
    KeyGroupMessageExtractor extractor = new KeyGroupMessageExtractor(new KeyGroupShards(1));
    for (int kg = 0; kg < 128; kg++) {
      assertEquals(Integer.toString(kg), extractor.shardId(Integer.toString(kg)));
    }
  }

  @Test
  void shardsHoldContiguousRangesThatCoverEveryKeyGroupOnce() {
    int keyGroups = 130;   // not a multiple of 4: the last shard is smaller
    KeyGroupShards shards = new KeyGroupShards(4);
    KeyGroupMessageExtractor extractor = new KeyGroupMessageExtractor(shards);
    Map<String, Integer> groupsPerShard = new HashMap<>();
    for (int kg = 0; kg < keyGroups; kg++) {
      String shard = extractor.shardId(Integer.toString(kg));
      groupsPerShard.merge(shard, 1, Integer::sum);
      assertTrue(shards.rangeOf(shard, keyGroups).contains(kg), "key group " + kg + " in its shard's range");
    }
    assertEquals(33, groupsPerShard.size());
    assertEquals(4, groupsPerShard.get("0"));
    assertEquals(2, groupsPerShard.get("32"));
  }
}
