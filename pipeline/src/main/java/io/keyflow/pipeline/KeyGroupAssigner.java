package io.keyflow.pipeline;

import java.nio.charset.StandardCharsets;

/**
 * Maps a key to its key group: {@code murmur3_32(utf8(key), seed 0) mod maxKeyGroups}, taken as
 * an unsigned value. The analogue of Flink's {@code KeyGroupRangeAssignment}: a key group is the
 * unit of state, of sharding and of rebalancing, and the number of key groups is fixed for the
 * life of the stored state.
 *
 * <p>Pure and stable across JVMs and releases: changing this function re-homes every key.
 */
public final class KeyGroupAssigner {

  /** The default number of key groups per pipeline (Flink's default max parallelism is 128 too). */
  public static final int DEFAULT_MAX_KEY_GROUPS = 128;

  private KeyGroupAssigner() {}

  /** The key group of {@code key}, in {@code [0, maxKeyGroups)}. */
  public static int keyGroupOf(String key, int maxKeyGroups) {
    if (maxKeyGroups <= 0) {
      throw new IllegalArgumentException("maxKeyGroups must be positive, was " + maxKeyGroups);
    }
    int hash = murmur3x86_32(key.getBytes(StandardCharsets.UTF_8), 0);
    return (int) (Integer.toUnsignedLong(hash) % maxKeyGroups);
  }

  /** MurmurHash3 x86 32-bit, as published by Austin Appleby. */
  static int murmur3x86_32(byte[] data, int seed) {
    final int c1 = 0xcc9e2d51;
    final int c2 = 0x1b873593;
    int h1 = seed;
    int roundedEnd = data.length & ~3;
    for (int i = 0; i < roundedEnd; i += 4) {
      int k1 = (data[i] & 0xff)
          | ((data[i + 1] & 0xff) << 8)
          | ((data[i + 2] & 0xff) << 16)
          | (data[i + 3] << 24);
      k1 *= c1;
      k1 = Integer.rotateLeft(k1, 15);
      k1 *= c2;
      h1 ^= k1;
      h1 = Integer.rotateLeft(h1, 13);
      h1 = h1 * 5 + 0xe6546b64;
    }
    int k1 = 0;
    switch (data.length & 3) {
      case 3:
        k1 = (data[roundedEnd + 2] & 0xff) << 16;
        // fall through
      case 2:
        k1 |= (data[roundedEnd + 1] & 0xff) << 8;
        // fall through
      case 1:
        k1 |= data[roundedEnd] & 0xff;
        k1 *= c1;
        k1 = Integer.rotateLeft(k1, 15);
        k1 *= c2;
        h1 ^= k1;
        break;
      default:
        break;
    }
    h1 ^= data.length;
    h1 ^= h1 >>> 16;
    h1 *= 0x85ebca6b;
    h1 ^= h1 >>> 13;
    h1 *= 0xc2b2ae35;
    h1 ^= h1 >>> 16;
    return h1;
  }
}
