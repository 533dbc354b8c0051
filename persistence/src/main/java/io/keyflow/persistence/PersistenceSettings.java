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
 * @param idempotencyWindowCount  request ids remembered per key group (oldest forgotten first)
 * @param idempotencyWindowAge    request ids older than this are forgotten
 */
public record PersistenceSettings(
    int snapshotEvery,
    int keepSnapshots,
    Duration snapshotInterval,
    Duration deliveryRetry,
    int deliveryBatch,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    int idempotencyWindowCount,
    Duration idempotencyWindowAge) {

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
        c.getInt("idempotency-window-count"),
        c.getDuration("idempotency-window-age"));
  }
}
