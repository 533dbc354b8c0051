package io.keyflow.sharding;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of key-group sharding and ingestion, read once from {@code keyflow.sharding}.
 *
 * @param askTimeout          how long a request waits for one key group (sized for recovery and rebalance)
 * @param maxRecordsPerEvent  a key group's share of a request is split into journal events of at most this many records
 * @param wakeInterval        how often each node makes sure every key group is running
 * @param wakeTimeout         how long a wake-up may take before the key group counts as not running
 */
public record ShardingSettings(
    Duration askTimeout, int maxRecordsPerEvent, Duration wakeInterval, Duration wakeTimeout) {

  public static ShardingSettings create(Config config) {
    Config c = config.getConfig("keyflow.sharding");
    return new ShardingSettings(
        c.getDuration("ask-timeout"),
        c.getInt("max-records-per-event"),
        c.getDuration("wake-interval"),
        c.getDuration("wake-timeout"));
  }
}
