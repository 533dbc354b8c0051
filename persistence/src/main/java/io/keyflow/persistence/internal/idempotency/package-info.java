/**
 * The idempotency rules of a key group as a home group (tickets for Idempotency-Keys and producer
 * sequences) and as a data group (which parts it applied), and the windows they keep in the
 * snapshot; the contract is docs/idempotency.md.
 */
package io.keyflow.persistence.internal.idempotency;
