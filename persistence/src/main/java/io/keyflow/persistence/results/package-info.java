/**
 * Results and late records in Cassandra: the store the key groups deliver to
 * ({@link io.keyflow.persistence.results.CassandraResultsStore}), the log the live stream and the
 * webhook sink read ({@link io.keyflow.persistence.results.ResultsLog},
 * {@link io.keyflow.persistence.results.ResultsPager}), how a delivery is encoded, retention,
 * generations after a reset, and the webhook sink's cursor.
 */
package io.keyflow.persistence.results;
