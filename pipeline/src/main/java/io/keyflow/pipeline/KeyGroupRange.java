package io.keyflow.pipeline;

import java.util.stream.IntStream;

/**
 * A contiguous run of key groups, {@code first} inclusive to {@code end} exclusive: what one shard
 * holds, or every key group of a stage. Half-open so that adjacent ranges share their bound and an
 * empty range needs no special value.
 *
 * @param first the first key group in the range
 * @param end   one past the last key group; equal to {@code first} when the range is empty
 */
public record KeyGroupRange(int first, int end) {

  public KeyGroupRange {
    if (first < 0 || end < first) {
      throw new IllegalArgumentException("key group range [" + first + ", " + end + ") is not 0 <= first <= end");
    }
  }

  /** Every key group of a stage with {@code maxKeyGroups} key groups. */
  public static KeyGroupRange all(int maxKeyGroups) {
    return new KeyGroupRange(0, maxKeyGroups);
  }

  public boolean contains(int keyGroup) {
    return first <= keyGroup && keyGroup < end;
  }

  public int size() {
    return end - first;
  }

  public boolean isEmpty() {
    return end == first;
  }

  /** The key groups in ascending order. */
  public IntStream keyGroups() {
    return IntStream.range(first, end);
  }
}
