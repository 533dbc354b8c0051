package io.keyflow.pipeline;

/**
 * Time and timers of the current key, as Flink's {@code TimerService}. Timers are state: they survive
 * snapshots, failover and rebalancing, one per (key, time, domain) however often registered. Event-time
 * timers fire when the key group's watermark reaches their time; processing-time timers when the key
 * group's processing time does (the runtime advances it about once a second and journals each advance,
 * so replay fires the same timers at the same point).
 */
public interface TimerService {

  /** The processing time of the current input (epoch ms), never read from a clock by the core. */
  long currentProcessingTime();

  /** The key group's current event-time watermark ({@link Long#MIN_VALUE} before any). */
  long currentWatermark();

  void registerEventTimeTimer(long time);

  void registerProcessingTimeTimer(long time);

  void deleteEventTimeTimer(long time);

  void deleteProcessingTimeTimer(long time);
}
