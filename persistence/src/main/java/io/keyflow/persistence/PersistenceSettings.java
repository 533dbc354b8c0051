package io.keyflow.persistence;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of the key-group entities, read once from {@code keyflow.persistence}.
 *
 * @param snapshotEvery        take a snapshot every this many journal events
 * @param keepSnapshots        snapshots kept; journal events older than the oldest are deleted
 * @param snapshotInterval     also snapshot when this long passed since the last one and events came
 * @param deliveryRetry        wait before retrying a failed write to the results store
 * @param deliveryBatch        at most this many results per results-store write
 * @param restartMinBackoff    first back-off after a journal failure stops the entity
 * @param restartMaxBackoff    longest back-off after repeated journal failures
 * @param idempotencyWindow      how long a request is recognised by its Idempotency-Key or producer
 *                               sequence, counted from its journaled first-seen time
 * @param idempotencyClockSkew   the largest clock difference between nodes allowed for: key groups keep
 *                               applied parts this much longer than home groups keep tickets
 * @param keylessResendWindow    how long a keyless request's parts are recognised (a node's own resends)
 * @param producerRetention      a producer's epoch is kept this long after its last new sequence number
 */
public record PersistenceSettings(
    int snapshotEvery,
    int keepSnapshots,
    Duration snapshotInterval,
    Duration deliveryRetry,
    int deliveryBatch,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    Duration idempotencyWindow,
    Duration idempotencyClockSkew,
    Duration keylessResendWindow,
    Duration producerRetention) {

  public PersistenceSettings {
    if (idempotencyWindow.compareTo(Duration.ofMinutes(1)) < 0) {
      throw new IllegalArgumentException("keyflow.persistence.idempotency-window must be at least 1 minute, was "
          + idempotencyWindow);
    }
  }

  public static PersistenceSettings create(Config config) {
    Config c = config.getConfig("keyflow.persistence");
    return new PersistenceSettings(
        c.getInt("snapshot-every"),
        c.getInt("keep-snapshots"),
        c.getDuration("snapshot-interval"),
        c.getDuration("results-delivery-retry"),
        c.getInt("results-delivery-batch"),
        c.getDuration("restart-min-backoff"),
        c.getDuration("restart-max-backoff"),
        c.getDuration("idempotency-window"),
        c.getDuration("idempotency-clock-skew"),
        c.getDuration("keyless-resend-window"),
        c.getDuration("producer-retention"));
  }
}
