/**
 * The running key group: {@link io.keyflow.persistence.entity.KeyGroupBehavior}, the event-sourced
 * behaviour that sharding spawns for {@link io.keyflow.persistence.KeyGroupEntity}'s protocol. It
 * wires the protocol to the internal handlers, so it sits above both: the top-level package (protocol,
 * stored state) depends on nothing of {@code internal}, which depends on it.
 */
package io.keyflow.persistence.entity;
