package io.keyflow.node.http;

import io.keyflow.node.metrics.NodeMetrics;
import io.keyflow.persistence.results.CassandraResultsStore;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.ClusterView;
import io.keyflow.sharding.KeyGroupSharding;
import io.keyflow.sharding.ingest.Ingestion;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;

/**
 * The HTTP API (v1), the same on every node: the one place its route classes are built and joined
 * to the endpoints of {@link ApiEndpoints}; paths and scopes are in {@link ApiRoutes}. A pipeline
 * named in a path is looked up here (unknown: 404) before any handler runs. Shapes: README.md, "HTTP API".
 */
public final class HttpApi extends AllDirectives implements ApiEndpoints {

  private final Map<String, PipelineDefinition> pipelines;
  private final NodeMetrics metrics;
  private final IngestRoutes ingest;
  private final ResultsQueryRoutes queries;
  private final ResultsRoutes resultsRoutes;
  private final ClusterRoutes clusterRoutes;

  public HttpApi(ActorSystem<?> system, NodeSettings settings, KeyGroupSharding sharding, Ingestion ingestion,
          CassandraResultsStore results, ClusterView cluster, NodeMetrics metrics, ResultsRoutes resultsRoutes) {
    this.pipelines = sharding.pipelines();
    this.metrics = metrics;
    this.ingest = new IngestRoutes(settings, ingestion, Materializer.matFromSystem(system));
    this.queries = new ResultsQueryRoutes(results, resultsRoutes);
    this.resultsRoutes = resultsRoutes;
    this.clusterRoutes = new ClusterRoutes(settings, sharding, cluster, metrics);
  }

  @Override
  public Route cluster() {
    return clusterRoutes.cluster();
  }

  @Override
  public Route figures() {
    return clusterRoutes.figures();
  }

  @Override
  public Route pipelines() {
    return clusterRoutes.pipelines();
  }

  @Override
  public Route ingest(String pipeline) {
    return withPipeline(pipeline, ingest::ingest);
  }

  @Override
  public Route watermark(String pipeline) {
    return withPipeline(pipeline, ingest::watermark);
  }

  @Override
  public Route results(String pipeline) {
    return withPipeline(pipeline, queries::results);
  }

  @Override
  public Route resultsStream(String pipeline) {
    return withPipeline(pipeline, resultsRoutes::stream);
  }

  @Override
  public Route late(String pipeline) {
    return withPipeline(pipeline, queries::late);
  }

  @Override
  public Route state(String pipeline, String key) {
    return withPipeline(pipeline, p -> clusterRoutes.state(p, key));
  }

  @Override
  public Route metrics() {
    return clusterRoutes.metrics();
  }

  /**
   * The API's routes, sealed (rejections become answers) so that every answer is counted by route
   * and status, 401s and 404s included.
   */
  public Route counted(Route routes) {
    Route sealed = routes.seal();
    return extractUri(uri -> mapResponse(response -> {
      metrics.answered(uri.path(), response.status().intValue());
      return response;
    }, () -> sealed));
  }

  private Route withPipeline(String name, Function<PipelineDefinition, Route> inner) {
    PipelineDefinition p = pipelines.get(name);
    if (p == null) {
      return complete(HttpAnswers.error(StatusCodes.NOT_FOUND, "unknown pipeline '" + name + "'"));
    }
    return inner.apply(p);
  }
}
