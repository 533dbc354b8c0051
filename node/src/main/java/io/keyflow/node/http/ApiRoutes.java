package io.keyflow.node.http;

import static io.keyflow.node.security.ApiScope.READ;
import static io.keyflow.node.security.ApiScope.WRITE;

import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The HTTP API's route table: path, method, the scope each endpoint needs, and its handler. Every
 * endpoint goes through {@link AuthDirectives#require} right after its path and method matched,
 * so the token is checked before the pipeline is looked up or the body read. A new endpoint is one
 * line here: {@code path(..., () -> get(() -> auth.require(READ, handler)))}; a public one (a
 * static page) leaves out {@code auth.require}.
 */
public final class ApiRoutes extends AllDirectives {

  private final ApiEndpoints api;
  private final AuthDirectives auth;

  public ApiRoutes(ApiEndpoints api, AuthDirectives auth) {
    this.api = api;
    this.auth = auth;
  }

  public Route routes() {
    return concat(
        new DashboardRoutes().routes(),
        path("metrics", () -> get(() -> auth.require(READ, api::metrics))),
        v1());
  }

  private Route v1() {
    return pathPrefix("v1", () -> concat(
        path("cluster", () -> get(() -> auth.require(READ, api::cluster))),
        path(PathMatchers.segment("cluster").slash("figures"), () -> get(() -> auth.require(READ, api::figures))),
        pathPrefix("pipelines", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> auth.require(READ, api::pipelines))),
            pathPrefix(PathMatchers.segment(), p -> concat(
                path("events", () -> post(() -> auth.require(WRITE, () -> api.ingest(p)))),
                path("watermark", () -> post(() -> auth.require(WRITE, () -> api.watermark(p)))),
                path("results", () -> get(() -> auth.require(READ, () -> api.results(p)))),
                path(PathMatchers.segment("results").slash("stream"),
                    () -> get(() -> auth.require(READ, () -> api.resultsStream(p)))),
                path("late", () -> get(() -> auth.require(READ, () -> api.late(p)))),
                path(PathMatchers.segment("state").slash(PathMatchers.segment()),
                    key -> get(() -> auth.require(READ, () -> api.state(p, key))))))))));
  }
}
