/**
 * The epoch-fenced journal of key groups, a Pekko journal plugin
 * ({@link io.keyflow.persistence.journal.FencedCassandraJournal}); its contract and safety argument
 * are docs/durability.md.
 */
package io.keyflow.persistence.journal;
