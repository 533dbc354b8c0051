/**
 * Where key groups run and how requests reach them, as the node sees it: the sharding of every
 * pipeline's key groups ({@link io.keyflow.sharding.KeyGroupSharding}), keeping them running
 * ({@link io.keyflow.sharding.KeyGroupKeeper}), the cluster view, crash detection, and what ingest
 * answers and refuses ({@link io.keyflow.sharding.IngestResult},
 * {@link io.keyflow.sharding.IngestRefused}) and its settings ({@link io.keyflow.sharding.ShardingSettings}).
 *
 * <p>The ingest facade ({@code Ingestion}, {@code IdempotencyHeaders}) is in {@code ingest}; the
 * machinery is under {@code internal} (no other module uses it): {@code internal.ingest} (routing,
 * lanes, forwarding to owners), {@code internal.placement} (shards and their allocation),
 * {@code internal.failure} (crash detection), {@code internal.compat} (join checks). The internals
 * build on this package, never the other way round: {@code ingest}, which starts the ingest path,
 * sits above both.
 */
package io.keyflow.sharding;
