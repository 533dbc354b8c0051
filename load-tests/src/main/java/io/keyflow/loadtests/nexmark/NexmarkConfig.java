package io.keyflow.loadtests.nexmark;

/**
 * What a Nexmark event stream is a function of. Event {@code n} has the nominal event time
 * {@code baseTime + n × 1e6 / eventsPerSecond µs} (rounded down to ms); with {@code jitterMs > 0} its
 * time goes back by a uniform {@code [0, jitterMs]}, so the stream is at most {@code jitterMs} out of order.
 *
 * @param seed            the stream's seed: the same seed gives the same events
 * @param baseTime        event time of event 0, epoch ms (Nexmark's default is 2015-07-15, 1436918400000)
 * @param eventsPerSecond events per second of event time (the reference's first event rate, default 10,000)
 * @param jitterMs        max step back in event time of one event
 */
public record NexmarkConfig(long seed, long baseTime, long eventsPerSecond, long jitterMs) {

  /** The reference generator's base time. */
  public static final long BASE_TIME = 1_436_918_400_000L;

  public NexmarkConfig {
    if (eventsPerSecond < 1 || eventsPerSecond > 10_000_000) {
      throw new IllegalArgumentException("events per second must be in [1, 10000000], got " + eventsPerSecond);
    }
    if (jitterMs < 0 || baseTime < 0) {
      throw new IllegalArgumentException("base time and jitter must not be negative");
    }
  }

  /** The reference's defaults with {@code seed}: 10,000 events/s, no jitter. */
  public static NexmarkConfig defaults(long seed) {
    return new NexmarkConfig(seed, BASE_TIME, 10_000, 0);
  }

  public NexmarkConfig withRate(long rate) {
    return new NexmarkConfig(seed, baseTime, rate, jitterMs);
  }

  public NexmarkConfig withJitter(long jitter) {
    return new NexmarkConfig(seed, baseTime, eventsPerSecond, jitter);
  }

  /** The event time of event {@code n} without jitter. */
  public long nominalTs(long n) {
    return baseTime + Math.multiplyExact(n, 1_000_000L) / eventsPerSecond / 1_000;
  }
}
