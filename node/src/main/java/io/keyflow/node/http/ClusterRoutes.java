package io.keyflow.node.http;

import io.keyflow.node.json.JsonViews;
import io.keyflow.node.metrics.NodeMetrics;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.ClusterView;
import io.keyflow.sharding.KeyGroupSharding;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What the cluster and this node say about themselves: members and placement, the dashboard's
 * figures, the Prometheus scrape, the pipelines, and one key's queryable state (asked of the key
 * group that holds it).
 */
public final class ClusterRoutes extends AllDirectives {

  private static final ContentType PROMETHEUS_TEXT = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final NodeSettings settings;
  private final KeyGroupSharding sharding;
  private final ClusterView cluster;
  private final NodeMetrics metrics;

  ClusterRoutes(NodeSettings settings, KeyGroupSharding sharding, ClusterView cluster, NodeMetrics metrics) {
    this.settings = settings;
    this.sharding = sharding;
    this.cluster = cluster;
    this.metrics = metrics;
  }

  Route cluster() {
    return completeWithFuture(cluster.placements(settings.queryTimeout())
        .thenApply(placements -> HttpAnswers.json(StatusCodes.OK,
            JsonViews.cluster(cluster.selfAddress(), cluster.members(), placements)))
        .exceptionally(e -> HttpAnswers.unavailable("cluster sharding", e)));
  }

  Route figures() {
    return complete(HttpAnswers.json(StatusCodes.OK, JsonViews.figures(metrics.figures(), System.currentTimeMillis())));
  }

  Route metrics() {
    return complete(HttpResponse.create().withEntity(PROMETHEUS_TEXT, metrics.scrape().getBytes(StandardCharsets.UTF_8)));
  }

  Route pipelines() {
    var array = JsonViews.MAPPER.createArrayNode();
    sharding.pipelines().values().forEach(p -> array.add(JsonViews.pipeline(p)));
    return complete(HttpAnswers.json(StatusCodes.OK, array));
  }

  /** Queryable state of one key in a stage ({@code ?stage=}, default the first: the one events enter). */
  Route state(PipelineDefinition pipeline, String key) {
    return parameterMap(params -> {
      PipelineDefinition p = pipeline.stageNamed(params.getOrDefault("stage", pipeline.stage()));
      if (p == null) {
        return complete(HttpAnswers.error(StatusCodes.NOT_FOUND, "unknown stage '" + params.get("stage") + "'"));
      }
      return completeWithFuture(sharding.keyState(p, key, settings.queryTimeout())
          .thenApply(v -> HttpAnswers.json(StatusCodes.OK, JsonViews.keyState(v)))
          .exceptionally(e -> HttpAnswers.unavailable("key group", e)));
    });
  }
}
