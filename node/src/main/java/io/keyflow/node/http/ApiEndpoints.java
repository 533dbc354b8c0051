package io.keyflow.node.http;

import org.apache.pekko.http.javadsl.server.Route;

/**
 * The handlers of the HTTP API, one per endpoint; {@link ApiRoutes} decides which request reaches
 * which, and with which scope. Pipelines are passed by name: an unknown one is the handler's 404.
 */
public interface ApiEndpoints {

  Route cluster();

  /** {@code GET /v1/cluster/figures}: every node's figures of the last minutes and the marks (the dashboard's charts). */
  Route figures();

  Route pipelines();

  Route ingest(String pipeline);

  Route watermark(String pipeline);

  Route results(String pipeline);

  /** {@code GET .../results/stream}: fired results as server-sent events, resumable. */
  Route resultsStream(String pipeline);

  Route late(String pipeline);

  Route state(String pipeline, String key);

  /** {@code GET /metrics}: the Prometheus text of every meter of this node. */
  Route metrics();
}
