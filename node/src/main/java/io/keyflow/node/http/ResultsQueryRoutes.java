package io.keyflow.node.http;

import io.keyflow.node.json.JsonViews;
import io.keyflow.node.results.ResultStages;
import io.keyflow.node.results.ResultsPage;
import io.keyflow.persistence.results.CassandraResultsStore;
import io.keyflow.persistence.results.ResultsPager;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.util.Comparator;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET .../results} and {@code GET .../late}: plain queries of the results store, one answer
 * each. Paging and the live stream, which hold cursors, are {@link ResultsRoutes}'.
 */
public final class ResultsQueryRoutes extends AllDirectives {

  private final CassandraResultsStore results;
  private final ResultsRoutes resultsRoutes;

  ResultsQueryRoutes(CassandraResultsStore results, ResultsRoutes resultsRoutes) {
    this.results = results;
    this.resultsRoutes = resultsRoutes;
  }

  /** Fired results of a stage ({@code ?stage=}, default the last), of one key or all, paged on request. */
  Route results(PipelineDefinition p) {
    return parameterMap(params -> {
      String stage = params.getOrDefault("stage", p.lastStage().stage());
      if (!ResultStages.known(p, stage)) {
        return complete(HttpAnswers.error(StatusCodes.NOT_FOUND, "unknown stage '" + stage + "'"));
      }
      long[] range = timeRange(params);
      if (range == null) {
        return complete(HttpAnswers.error(StatusCodes.BAD_REQUEST, "from and to must be integers (epoch millis)"));
      }
      long from = range[0];
      long to = range[1];
      ResultsPage page;
      try {
        page = ResultsPage.parse(params.get("limit"), params.get("after"));
      } catch (IllegalArgumentException e) {
        return complete(HttpAnswers.error(StatusCodes.BAD_REQUEST, e.getMessage()));
      }
      String key = params.get("key");
      if (page != null) {
        return resultsRoutes.paged(page, new ResultsPager.Query(p.name(), stage, p.maxKeyGroups(), key,
            key == null ? -1 : p.keyGroupOf(key), from, to));
      }
      var found = key != null
          ? results.resultsOfKey(p.name(), stage, p.keyGroupOf(key), key, from, to)
          : results.resultsOfGroups(p.name(), stage, p.maxKeyGroups(), from, to);
      return completeWithFuture(found
          .thenApply(list -> HttpAnswers.json(StatusCodes.OK, JsonViews.results(list)))
          .exceptionally(e -> HttpAnswers.unavailable("results store", e)));
    });
  }

  /** The late side output of a stage (default the first), shaped like the late events, by event time. */
  Route late(PipelineDefinition pipeline) {
    return parameterMap(params -> {
      PipelineDefinition p = pipeline.stageNamed(params.getOrDefault("stage", pipeline.stage()));
      if (p == null) {
        return complete(HttpAnswers.error(StatusCodes.NOT_FOUND, "unknown stage '" + params.get("stage") + "'"));
      }
      if (p.lateOutput() == null) {
        return complete(HttpAnswers.error(StatusCodes.NOT_FOUND,
            "stage '" + p.stage() + "' of pipeline '" + p.name() + "' has no late-output; its late records are only counted"));
      }
      long[] range = timeRange(params);
      if (range == null) {
        return complete(HttpAnswers.error(StatusCodes.BAD_REQUEST, "from and to must be integers (epoch millis)"));
      }
      long from = range[0];
      long to = range[1];
      String key = params.get("key");
      return completeWithFuture(results.lateRecords(p.name(), p.stage(), p.maxKeyGroups())
          .thenApply(all -> HttpAnswers.json(StatusCodes.OK, JsonViews.lateRecords(p, all.stream()
              .filter(l -> key == null || key.equals(l.record().key()))
              .filter(l -> l.record().ts() >= from && l.record().ts() < to)
              .sorted(Comparator.comparingLong((CassandraResultsStore.LateRecord l) -> l.record().ts())
                  .thenComparing(l -> l.record().key()).thenComparingInt(CassandraResultsStore.LateRecord::keyGroup)
                  .thenComparingLong(CassandraResultsStore.LateRecord::seq))
              .toList())))
          .exceptionally(e -> HttpAnswers.unavailable("results store", e)));
    });
  }

  /** {@code from} (inclusive) and {@code to} (exclusive), open when absent; null when not integers. */
  private static long[] timeRange(Map<String, String> params) {
    try {
      return new long[] {
          params.containsKey("from") ? Long.parseLong(params.get("from")) : Long.MIN_VALUE,
          params.containsKey("to") ? Long.parseLong(params.get("to")) : Long.MAX_VALUE};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
