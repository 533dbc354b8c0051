package io.keyflow.sharding.internal.ingest;

import java.util.function.LongSupplier;

/**
 * Counts over the last {@code seconds} seconds, in one-second buckets: what the load signal reads
 * for "share of 503s lately". Adding is a short synchronized step per request, never per event.
 */
final class RecentCounts {

  private final long[] counts;
  private final long[] bucketSecond;
  private final LongSupplier clockMillis;

  RecentCounts(int seconds, LongSupplier clockMillis) {
    if (seconds < 1) {
      throw new IllegalArgumentException("window must be at least 1 s, was " + seconds);
    }
    this.counts = new long[seconds];
    this.bucketSecond = new long[seconds];
    java.util.Arrays.fill(bucketSecond, Long.MIN_VALUE);
    this.clockMillis = clockMillis;
  }

  synchronized void add(long n) {
    long second = Math.floorDiv(clockMillis.getAsLong(), 1000);
    int i = (int) Math.floorMod(second, counts.length);
    if (bucketSecond[i] != second) {
      bucketSecond[i] = second;
      counts[i] = 0;
    }
    counts[i] += n;
  }

  /** The sum over the buckets of the last {@code seconds} seconds, this one included. */
  synchronized long sum() {
    long now = Math.floorDiv(clockMillis.getAsLong(), 1000);
    long sum = 0;
    for (int i = 0; i < counts.length; i++) {
      if (bucketSecond[i] > now - counts.length) {
        sum += counts[i];
      }
    }
    return sum;
  }
}
