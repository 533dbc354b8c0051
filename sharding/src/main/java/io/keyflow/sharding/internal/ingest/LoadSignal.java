package io.keyflow.sharding.internal.ingest;

/**
 * A node's load as one number in [0, 1], for autoscalers ({@code keyflow_load_signal}): the highest
 * of in-flight events over their bound, in-flight bytes over their bound, the share of ingest
 * requests refused with 503 over the recent window, and the recent ack latency p99 over its target.
 * 1 means the node is at (or past) one of its limits; each term is clamped to [0, 1].
 */
public final class LoadSignal {

  private LoadSignal() {}

  /**
   * @param answered ingest requests answered in the recent window (any status)
   * @param rejected of those, refused with 503
   * @param p99Seconds ack latency p99 over the recent window; NaN or 0 when nothing was acknowledged
   * @param targetSeconds the p99 at which this term reaches 1
   */
  public static double of(long eventsInFlight, long maxEvents, long bytesInFlight, long maxBytes,
                          long answered, long rejected, double p99Seconds, double targetSeconds) {
    double events = ratio(eventsInFlight, maxEvents);
    double bytes = ratio(bytesInFlight, maxBytes);
    double refused = answered <= 0 ? 0 : ratio(rejected, answered);
    double latency = Double.isNaN(p99Seconds) || targetSeconds <= 0 ? 0 : clamp(p99Seconds / targetSeconds);
    return Math.max(Math.max(events, bytes), Math.max(refused, latency));
  }

  private static double ratio(double part, double whole) {
    return whole <= 0 ? 0 : clamp(part / whole);
  }

  private static double clamp(double x) {
    return Double.isNaN(x) ? 0 : Math.min(1, Math.max(0, x));
  }
}
