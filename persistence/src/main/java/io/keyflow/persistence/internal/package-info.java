/**
 * How a key group works inside, used by no other module: its command handlers, its pure event
 * handlers (transitions), the outbox that delivers results after each write, snapshot pacing and its
 * meters.
 */
package io.keyflow.persistence.internal;
