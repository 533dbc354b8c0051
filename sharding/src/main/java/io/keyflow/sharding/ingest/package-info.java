/**
 * The ingest facade the HTTP route calls: {@link io.keyflow.sharding.ingest.Ingestion} (admission,
 * idempotency claims from {@link io.keyflow.sharding.ingest.IdempotencyHeaders}, routing to key
 * groups, ingest metrics). It starts and fronts the ingest machinery of
 * {@code io.keyflow.sharding.internal.ingest}; what both share (what a request did, why it was
 * refused, the settings and the sharding of key groups) is in {@code io.keyflow.sharding}.
 */
package io.keyflow.sharding.ingest;
