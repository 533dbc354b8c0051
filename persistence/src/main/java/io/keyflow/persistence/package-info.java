/**
 * One key group of one keyed stage as an event-sourced Pekko entity, as the sharding and node modules
 * see it: {@link io.keyflow.persistence.KeyGroupEntity} with its protocol (commands, replies, journal
 * events), the claims and tickets of idempotency ({@link io.keyflow.persistence.Idempotency}), its
 * state ({@link io.keyflow.persistence.KeyGroupState}, with the idempotency windows it holds:
 * {@link io.keyflow.persistence.IdempotencyState}), its settings, where its results go
 * ({@link io.keyflow.persistence.ResultsSink}, {@link io.keyflow.persistence.StageForwarder}). The
 * sub-packages: {@code entity} (the behaviour that runs a key group, spawned by sharding),
 * {@code journal}, {@code results}, {@code catalog} (the pipelines whose state is stored),
 * {@code codec}, {@code cassandra}, and {@code internal} (no other module uses it).
 *
 * <p>This package depends on no other package of the module: every other one (the internals
 * included) builds on it, and {@code entity} sits on top, joining the protocol to the internals.
 *
 * <p>The class names of the journal events and of the snapshot
 * ({@code FrozenSnapshotAdapter.FrozenState}) are stored manifests: they stay here
 * ({@code StoredFormatsTest}).
 */
package io.keyflow.persistence;
