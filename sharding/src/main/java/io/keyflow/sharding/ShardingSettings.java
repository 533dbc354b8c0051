package io.keyflow.sharding;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of key-group sharding and ingestion, read once from {@code keyflow.sharding}.
 *
 * @param askTimeout          how long a request waits for one key group (sized for recovery and rebalance)
 * @param attemptTimeout      one attempt to reach a key group; timed-out attempts are resent until askTimeout
 * @param maxRecordsPerEvent  a key group's share of a request is split into journal events of at most this many records
 * @param wakeInterval        how often each node makes sure every key group is running
 * @param wakeTimeout         how long a wake-up may take before the key group counts as not running
 * @param allocation          "rendezvous" (minimal movement) or "least-shard" (Pekko's default)
 * @param maxMovesPerRound    rendezvous: at most this many shards moving at once
 * @param keyGroupsPerShard   contiguous key groups per Pekko shard (the unit placed, moved and allocated)
 * @param forwardToOwner      a request's records for another node's key groups go there as one message
 * @param forwardReportInterval how often each node tells the others which shards it holds (for forwardToOwner)
 */
public record ShardingSettings(
    Duration askTimeout, Duration attemptTimeout, int maxRecordsPerEvent, Duration wakeInterval, Duration wakeTimeout,
    String allocation, int maxMovesPerRound, int keyGroupsPerShard, boolean forwardToOwner,
    Duration forwardReportInterval) {

  public ShardingSettings {
    if (!allocation.equals("rendezvous") && !allocation.equals("least-shard")) {
      throw new IllegalArgumentException("keyflow.sharding.allocation must be rendezvous or least-shard, was " + allocation);
    }
    if (keyGroupsPerShard < 1) {
      throw new IllegalArgumentException("keyflow.sharding.key-groups-per-shard must be at least 1, was " + keyGroupsPerShard);
    }
  }

  public static ShardingSettings create(Config config) {
    Config c = config.getConfig("keyflow.sharding");
    return new ShardingSettings(
        c.getDuration("ask-timeout"),
        c.getDuration("attempt-timeout"),
        c.getInt("max-records-per-event"),
        c.getDuration("wake-interval"),
        c.getDuration("wake-timeout"),
        c.getString("allocation"),
        c.getInt("max-moves-per-round"),
        c.getInt("key-groups-per-shard"),
        c.getBoolean("forward-to-owner"),
        c.getDuration("forward-report-interval"));
  }
}
