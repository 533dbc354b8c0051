package io.keyflow.sharding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyGroupMessageExtractorTest {

  @Test
  void oneKeyGroupPerShardKeepsTheKeyGroupAsShardId() {
    KeyGroupMessageExtractor extractor = new KeyGroupMessageExtractor(1);
    for (int kg = 0; kg < 128; kg++) {
      assertEquals(Integer.toString(kg), extractor.shardId(Integer.toString(kg)));
    }
  }

  @Test
  void shardsHoldContiguousRangesThatCoverEveryKeyGroupOnce() {
    int keyGroups = 130;   // not a multiple of 4: the last shard is smaller
    KeyGroupMessageExtractor extractor = new KeyGroupMessageExtractor(4);
    Map<String, Integer> groupsPerShard = new HashMap<>();
    for (int kg = 0; kg < keyGroups; kg++) {
      String shard = extractor.shardId(Integer.toString(kg));
      groupsPerShard.merge(shard, 1, Integer::sum);
      int[] range = KeyGroupMessageExtractor.keyGroupRange(shard, 4, keyGroups);
      assertTrue(range[0] <= kg && kg < range[1], "key group " + kg + " in its shard's range");
    }
    assertEquals(33, groupsPerShard.size());
    assertEquals(4, groupsPerShard.get("0"));
    assertEquals(2, groupsPerShard.get("32"));
    assertArrayEquals(new int[] {128, 130}, KeyGroupMessageExtractor.keyGroupRange("32", 4, keyGroups));
  }
}
