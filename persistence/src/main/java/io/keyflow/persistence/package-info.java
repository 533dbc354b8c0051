/**
 * One key group of one keyed stage as an event-sourced Pekko entity, as the sharding and node modules
 * see it: {@link io.keyflow.persistence.KeyGroupEntity} with its protocol (commands, replies, journal
 * events), the claims and tickets of idempotency ({@link io.keyflow.persistence.Idempotency}), its
 * state ({@link io.keyflow.persistence.KeyGroupState}), its settings, where its results go
 * ({@link io.keyflow.persistence.ResultsSink}, {@link io.keyflow.persistence.StageForwarder}). The
 * sub-packages: {@code journal}, {@code results}, {@code catalog} (the pipelines whose state is
 * stored), {@code codec}, {@code cassandra}, and {@code internal} (no other module uses it).
 *
 * <p>The class names of the journal events and of the snapshot
 * ({@code FrozenSnapshotAdapter.FrozenState}) are stored manifests: they stay here
 * ({@code StoredFormatsTest}).
 */
package io.keyflow.persistence;
