package io.keyflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyGroupAssignerTest {

  @Test
  void murmurMatchesAnIndependentImplementationForAllTailLengths() {
    Random random = new Random(42);
    for (int i = 0; i < 5_000; i++) {
      byte[] bytes = new byte[random.nextInt(40)];
      random.nextBytes(bytes);
      int expected = Hashing.murmur3_32_fixed().hashBytes(bytes).asInt();
      assertThat(KeyGroupAssigner.murmur3x86_32(bytes, 0)).isEqualTo(expected);
    }
  }

  @Test
  void keyGroupIsStableForKnownKeys() {
    // Pinned values: changing the function would re-home every stored key.
    assertThat(KeyGroupAssigner.keyGroupOf("alice", 128))
        .isEqualTo(unsignedMod(Hashing.murmur3_32_fixed().hashString("alice", StandardCharsets.UTF_8).asInt(), 128));
    int first = KeyGroupAssigner.keyGroupOf("user-17", 128);
    for (int i = 0; i < 10; i++) {
      assertThat(KeyGroupAssigner.keyGroupOf("user-17", 128)).isEqualTo(first);
    }
    assertThat(KeyGroupAssigner.keyGroupOf("", 128)).isEqualTo(0);
  }

  @Test
  void keyGroupsAreUniformWithinTwentyPercentFor100kRandomKeys() {
    int groups = 128;
    int[] counts = new int[groups];
    Random random = new Random(7);
    int keys = 100_000;
    for (int i = 0; i < keys; i++) {
      counts[KeyGroupAssigner.keyGroupOf(Long.toHexString(random.nextLong()), groups)]++;
    }
    double mean = keys / (double) groups;
    for (int g = 0; g < groups; g++) {
      assertThat(counts[g]).as("key group %d", g).isBetween((int) (mean * 0.8), (int) (mean * 1.2));
    }
  }

  @Test
  void keyGroupIsAlwaysInRangeAndRejectsNonPositiveGroupCounts() {
    Random random = new Random(3);
    for (int i = 0; i < 10_000; i++) {
      int groups = 1 + random.nextInt(1000);
      assertThat(KeyGroupAssigner.keyGroupOf("k" + random.nextInt(), groups)).isBetween(0, groups - 1);
    }
    assertThatThrownBy(() -> KeyGroupAssigner.keyGroupOf("k", 0)).isInstanceOf(IllegalArgumentException.class);
  }

  private static int unsignedMod(int hash, int n) {
    return (int) (Integer.toUnsignedLong(hash) % n);
  }
}
