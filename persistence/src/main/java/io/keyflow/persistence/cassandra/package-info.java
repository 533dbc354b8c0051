/**
 * Cassandra itself: the one driver session and its profile
 * ({@link io.keyflow.persistence.cassandra.CassandraSessions}), the schema and its replication rules,
 * the per-node flush of inserts, and the bundled Cassandra a node starts when none is configured.
 */
package io.keyflow.persistence.cassandra;
