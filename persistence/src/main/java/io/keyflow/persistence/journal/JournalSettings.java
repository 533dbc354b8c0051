package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.typesafe.config.Config;

/**
 * Settings of {@link FencedCassandraJournal}, read from its plugin config ({@code keyflow.journal}).
 * Sequence number {@code n} lives in partition {@code n / partitionSize}; {@code flush*} bound the
 * per-node flush ({@link io.keyflow.persistence.cassandra.InsertBatcher}).
 */
public record JournalSettings(
    String keyspace, String table, String fenceTable, String metadataTable, long partitionSize,
    String sessionConfigPath, String profile, ConsistencyLevel consistency, ConsistencyLevel serialConsistency,
    int replayPageSize, int flushMaxInFlight, long flushMaxBatchBytes, int flushMaxBatchRows,
    int fenceRoundsInFlight, int fenceRoundMaxBatch, String segmentTable, String segmentIndexTable, long segmentMaxBytes,
    java.time.Duration segmentMaxAge) {

  public JournalSettings {
    if (partitionSize < 2) {
      throw new IllegalArgumentException("keyflow.journal.partition-size must be at least 2, was " + partitionSize);
    }
  }

  public static JournalSettings create(Config config) {
    return new JournalSettings(
        config.getString("keyspace"),
        config.getString("table"),
        config.getString("fence-table"),
        config.getString("metadata-table"),
        config.getLong("partition-size"),
        config.getString("session-config-path"),
        config.getString("profile"),
        DefaultConsistencyLevel.valueOf(config.getString("consistency")),
        DefaultConsistencyLevel.valueOf(config.getString("serial-consistency")),
        config.getInt("replay-page-size"),
        config.getInt("flush.max-in-flight"),
        config.getBytes("flush.max-batch-bytes"),
        config.getInt("flush.max-batch-rows"),
        config.getInt("fence-rounds-in-flight"),
        config.getInt("fence-round-max-batch"),
        config.getString("segment-table"),
        config.getString("segment-index-table"),
        config.getBytes("segment.max-bytes"),
        config.getDuration("segment.max-age"));
  }

  public long partitionOf(long sequenceNr) {
    return sequenceNr / partitionSize;
  }

  public long firstOf(long partition) {
    return partition * partitionSize;
  }

  public long lastOf(long partition) {
    return (partition + 1) * partitionSize - 1;
  }
}
