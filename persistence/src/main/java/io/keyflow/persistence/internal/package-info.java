/**
 * How a key group works inside, used by no other module: its command handlers, its pure event
 * handlers (transitions), the outbox that delivers results after each write, snapshot pacing and its
 * meters. Built on the top-level protocol, state and settings; run by
 * {@code io.keyflow.persistence.entity.KeyGroupBehavior}.
 */
package io.keyflow.persistence.internal;
