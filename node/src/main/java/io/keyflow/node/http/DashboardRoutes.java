package io.keyflow.node.http;

import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The dashboard: static files from the classpath ({@code dashboard/}), public on purpose. The page
 * reads only the data endpoints ({@code /v1/cluster}, {@code /v1/pipelines}, {@code /metrics}), which
 * is where access control belongs.
 */
public final class DashboardRoutes extends AllDirectives {

  private static final String ROOT = "dashboard";

  Route routes() {
    return get(() -> concat(
        pathSingleSlash(() -> getFromResource(ROOT + "/index.html")),
        pathPrefix(ROOT, () -> getFromResourceDirectory(ROOT))));
  }
}
