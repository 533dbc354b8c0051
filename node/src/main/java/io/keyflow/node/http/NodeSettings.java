package io.keyflow.node.http;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of the node's HTTP API, read once from {@code keyflow.node} and {@code keyflow.http}.
 *
 * @param host              the node's own loopback or LAN address (HTTP, remoting, management)
 * @param httpPort          HTTP API port
 * @param maxBodyBytes      a larger ingest body is refused with 413 before it is read
 * @param bodyReadTimeout   time allowed to receive a whole ingest body
 * @param queryTimeout      time allowed for results, state and cluster queries
 * @param maxInFlightBytes  ingest bodies being handled at once, in bytes; past it: 503
 * @param maxInFlightEvents ingest events being applied at once; past it: 503
 * @param maxEventsPerRequest an ingest body with more events is refused with 413, nothing applied
 * @param maxLineLength     an NDJSON line longer than this (characters) is refused with 413, nothing applied
 */
public record NodeSettings(String host, int httpPort, long maxBodyBytes, Duration bodyReadTimeout, Duration queryTimeout,
                           long maxInFlightBytes, long maxInFlightEvents, int maxEventsPerRequest, long maxLineLength) {

  public NodeSettings {
    if (maxEventsPerRequest < 1) {
      throw new IllegalArgumentException("keyflow.http.max-events-per-request must be at least 1, was " + maxEventsPerRequest);
    }
    if (maxLineLength < 1) {
      throw new IllegalArgumentException("keyflow.http.max-line-length must be at least 1, was " + maxLineLength);
    }
  }

  public static NodeSettings create(Config config) {
    return new NodeSettings(
        config.getString("keyflow.node.host"),
        config.getInt("keyflow.node.http-port"),
        config.getBytes("keyflow.http.max-body-size"),
        config.getDuration("keyflow.http.body-read-timeout"),
        config.getDuration("keyflow.http.query-timeout"),
        config.getBytes("keyflow.http.max-in-flight-bytes"),
        config.getLong("keyflow.http.max-in-flight-events"),
        config.getInt("keyflow.http.max-events-per-request"),
        config.getBytes("keyflow.http.max-line-length"));
  }
}
