/**
 * The idempotency rules of a key group as a home group (tickets for Idempotency-Keys and producer
 * sequences) and as a data group (which parts it applied); the contract is docs/idempotency.md. The
 * windows they keep in the snapshot ({@link io.keyflow.persistence.IdempotencyState}) are in the top
 * package, beside the state that holds them.
 */
package io.keyflow.persistence.internal.idempotency;
