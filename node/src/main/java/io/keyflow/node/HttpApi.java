package io.keyflow.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.results.CassandraResultsStore;
import io.keyflow.persistence.results.ResultsPager;
import io.keyflow.pipeline.PipelineDefinition;
import io.keyflow.sharding.ClusterView;
import io.keyflow.sharding.IngestAdmission;
import io.keyflow.sharding.IngestMetrics;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestRouter;
import io.keyflow.sharding.KeyGroupSharding;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.coding.Coder;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handlers of the HTTP API (v1), the same on every node; paths and scopes are in {@link ApiRoutes}.
 * Ingest validates the whole body (and its limits) before anything is applied and answers 200 only
 * when every event is in the journal. Shapes: DESIGN.md §11.
 */
final class HttpApi extends AllDirectives implements ApiEndpoints {

  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  private static final String NDJSON = "application/x-ndjson";
  private static final String JSON = "application/json";
  private static final ContentType PROMETHEUS_TEXT = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final ActorSystem<?> system;
  private final Materializer materializer;
  private final NodeSettings settings;
  private final KeyGroupSharding sharding;
  private final IngestRouter router;
  private final CassandraResultsStore results;
  private final IngestAdmission admission;
  private final ClusterView cluster;
  private final Map<String, PipelineDefinition> pipelines;
  private final NodeMetrics metrics;
  private final IngestMetrics ingestMetrics;
  private final ResultsRoutes resultsRoutes;
  private final IngestBody ingestBody;

  HttpApi(ActorSystem<?> system, NodeSettings settings, KeyGroupSharding sharding, IngestRouter router,
          CassandraResultsStore results, ClusterView cluster,
          IngestAdmission admission, NodeMetrics metrics, IngestMetrics ingestMetrics, ResultsRoutes resultsRoutes) {
    this.system = system;
    this.materializer = Materializer.matFromSystem(system);
    this.settings = settings;
    this.sharding = sharding;
    this.router = router;
    this.results = results;
    this.admission = admission;
    this.cluster = cluster;
    this.pipelines = sharding.pipelines();
    this.metrics = metrics;
    this.ingestMetrics = ingestMetrics;
    this.resultsRoutes = resultsRoutes;
    this.ingestBody = new IngestBody(settings.maxBodyBytes(), settings.bodyReadTimeout(), materializer);
  }

  @Override
  public Route cluster() {
    return clusterView();
  }

  @Override
  public Route figures() {
    return complete(json(StatusCodes.OK, JsonViews.figures(metrics.figures(), System.currentTimeMillis())));
  }

  @Override
  public Route pipelines() {
    return listPipelines();
  }

  @Override
  public Route ingest(String pipeline) {
    return withPipeline(pipeline, this::timedIngest);
  }

  @Override
  public Route watermark(String pipeline) {
    return withPipeline(pipeline, this::watermark);
  }

  @Override
  public Route results(String pipeline) {
    return withPipeline(pipeline, this::results);
  }

  @Override
  public Route resultsStream(String pipeline) {
    return withPipeline(pipeline, resultsRoutes::stream);
  }

  @Override
  public Route late(String pipeline) {
    return withPipeline(pipeline, this::late);
  }

  @Override
  public Route state(String pipeline, String key) {
    return withPipeline(pipeline, p -> state(p, key));
  }

  @Override
  public Route metrics() {
    return complete(HttpResponse.create().withEntity(PROMETHEUS_TEXT, metrics.scrape().getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The API's routes, sealed (rejections become answers) so that every answer is counted by route
   * and status, 401s and 404s included.
   */
  Route counted(Route routes) {
    Route sealed = routes.seal();
    return extractUri(uri -> mapResponse(response -> {
      metrics.answered(uri.path(), response.status().intValue());
      return response;
    }, () -> sealed));
  }

  private Route withPipeline(String name, Function<PipelineDefinition, Route> inner) {
    PipelineDefinition p = pipelines.get(name);
    if (p == null) {
      return complete(json(StatusCodes.NOT_FOUND, JsonViews.error("unknown pipeline '" + name + "'", null)));
    }
    return inner.apply(p);
  }

  private Route listPipelines() {
    var array = JsonViews.MAPPER.createArrayNode();
    pipelines.values().forEach(p -> array.add(JsonViews.pipeline(p)));
    return complete(json(StatusCodes.OK, array));
  }

  /** Ingest, with every answer's status and time reported to the ingest metrics. */
  private Route timedIngest(PipelineDefinition p) {
    return extractRequest(request -> {
      long started = System.nanoTime();
      return mapResponse(response -> {
        ingestMetrics.answered(response.status().intValue(), System.nanoTime() - started);
        return response;
      }, () -> ingest(p));
    });
  }

  private Route ingest(PipelineDefinition p) {
    return extractRequest(request -> {
      HttpEntity entity = request.entity();
      IdempotencyHeaders idempotency;
      try {
        idempotency = IdempotencyHeaders.parse(name -> request.getHeader(name).map(h -> h.value()).orElse(null));
      } catch (IllegalArgumentException e) {
        return complete(json(StatusCodes.BAD_REQUEST, JsonViews.error(e.getMessage(), null)));
      }
      String requestId = idempotency.key();
      ContentType contentType = entity.getContentType();
      String media = contentType.mediaType().mainType().toLowerCase(Locale.ROOT) + "/"
          + contentType.mediaType().subType().toLowerCase(Locale.ROOT);
      if (!media.equals(NDJSON) && !media.equals(JSON)) {
        return complete(json(StatusCodes.UNSUPPORTED_MEDIA_TYPE, JsonViews.error(
            "content type must be " + NDJSON + " or " + JSON + ", was " + media, null)));
      }
      Charset charset;
      try {
        charset = contentType.getCharsetOption().map(c -> Charset.forName(c.value())).orElse(StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        return complete(json(StatusCodes.UNSUPPORTED_MEDIA_TYPE, JsonViews.error("unsupported charset", null)));
      }
      Coder coder = IngestBody.coderOf(request).orElse(null);
      if (coder == null) {
        return complete(json(StatusCodes.UNSUPPORTED_MEDIA_TYPE, JsonViews.error(IngestBody.unsupportedEncoding(request), null)));
      }
      if (entity.getContentLengthOption().orElse(0L) > settings.maxBodyBytes()) {
        return complete(tooLarge());
      }
      // Admission before the body is read: a chunked body may grow to the size limit, an encoded one
      // may decode to it.
      long reservedBytes = coder == Coder.NoCoding
          ? entity.getContentLengthOption().orElse(settings.maxBodyBytes()) : settings.maxBodyBytes();
      if (!admission.tryReserveBytes(reservedBytes)) {
        ingestMetrics.rejected(IngestMetrics.Rejection.IN_FLIGHT_BYTES);
        return complete(busy("bytes"));
      }
      long[] reservedEvents = {0};
      CompletionStage<HttpResponse> response = ingestBody.read(request, coder)
          .thenCompose(body -> {
            EventParser parser = new EventParser(p, settings.maxEventsPerRequest(), settings.maxLineLength());
            EventParser.Parsed parsed = media.equals(NDJSON) ? parser.parseNdjson(body, charset) : parser.parseJsonArray(body, charset);
            if (!parsed.ok()) {
              return java.util.concurrent.CompletableFuture.completedFuture(
                  json(parsed.overLimit() ? StatusCodes.PAYLOAD_TOO_LARGE : StatusCodes.BAD_REQUEST,
                      JsonViews.error(parsed.error(), parsed.line())));
            }
            if (!admission.tryReserveEvents(parsed.records().size())) {
              ingestMetrics.rejected(IngestMetrics.Rejection.IN_FLIGHT_EVENTS);
              return java.util.concurrent.CompletableFuture.completedFuture(busy("events"));
            }
            reservedEvents[0] = parsed.records().size();
            return apply(p, requestId, idempotency.claim(() -> fingerprint(media, body)), parsed);
          })
          .exceptionally(failure -> {
            HttpResponse answer = ingestFailure(failure);
            if (answer.status().intValue() == 503) {
              ingestMetrics.rejected(IngestMetrics.Rejection.NOT_ACKNOWLEDGED);
            }
            return answer;
          })
          .whenComplete((r, e) -> {
            admission.releaseBytes(reservedBytes);
            admission.releaseEvents(reservedEvents[0]);
          });
      return completeWithFuture(response);
    });
  }

  private CompletionStage<HttpResponse> apply(PipelineDefinition p, String requestId, Idempotency.Claim claim,
      EventParser.Parsed parsed) {
    return router.ingest(p, requestId, claim, parsed.records()).thenApply(result -> json(StatusCodes.OK,
        JsonViews.MAPPER.createObjectNode().put("accepted", result.accepted()).put("duplicates", result.duplicates())));
  }

  /** SHA-256 (first 128 bits) of the media type and the body: the same key must come back with the same bytes. */
  private static String fingerprint(String media, byte[] body) {
    try {
      var digest = java.security.MessageDigest.getInstance("SHA-256");
      digest.update(media.getBytes(StandardCharsets.UTF_8));
      digest.update((byte) 0);
      return java.util.HexFormat.of().formatHex(digest.digest(body), 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  private HttpResponse ingestFailure(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof EntityStreamSizeException) {
      return tooLarge();
    }
    if (cause instanceof IngestBody.Refused refused) {
      return json(refused.status(), JsonViews.error(refused.getMessage(), null));
    }
    if (cause instanceof IngestRefused refused) {
      return json(StatusCodes.get(refused.httpStatus()), JsonViews.error(refused.getMessage(), null));
    }
    log.warn("ingest not acknowledged: {}", cause.toString());
    return json(StatusCodes.SERVICE_UNAVAILABLE,
        JsonViews.error("not acknowledged, retry: " + cause.getClass().getSimpleName(), null))
        .addHeader(RetryAfter.create(1L));
  }

  private HttpResponse busy(String bound) {
    return json(StatusCodes.SERVICE_UNAVAILABLE,
        JsonViews.error("node busy: in-flight " + bound + " at their bound, retry", null))
        .addHeader(RetryAfter.create(1L));
  }

  private HttpResponse tooLarge() {
    return json(StatusCodes.PAYLOAD_TOO_LARGE,
        JsonViews.error("body larger than " + settings.maxBodyBytes() + " bytes", null));
  }

  private Route watermark(PipelineDefinition p) {
    return entityAsString(text -> {
      long watermark;
      try {
        JsonNode node = JsonViews.MAPPER.readTree(text);
        JsonNode wm = node == null ? null : node.get("watermark");
        if (wm == null || !wm.isIntegralNumber() || !wm.canConvertToLong()) {
          return complete(json(StatusCodes.BAD_REQUEST, JsonViews.error("body must be {\"watermark\": <epoch millis>}", 1)));
        }
        watermark = wm.longValue();
      } catch (JsonProcessingException e) {
        return complete(json(StatusCodes.BAD_REQUEST, JsonViews.error("malformed JSON: " + e.getOriginalMessage(), 1)));
      }
      return completeWithFuture(router.advanceWatermark(p, watermark)
          .thenApply(min -> json(StatusCodes.OK, JsonViews.MAPPER.createObjectNode().put("watermark", min)))
          .exceptionally(this::ingestFailure));
    });
  }

  private Route entityAsString(Function<String, Route> inner) {
    return extractStrictEntity(settings.bodyReadTimeout(), strict ->
        inner.apply(strict.getData().utf8String()));
  }

  private Route results(PipelineDefinition p) {
    return parameterMap(params -> {
      String stage = params.getOrDefault("stage", p.lastStage().stage());
      // A Java pipeline's side outputs are stored under their tag's name; their names are known only
      // to the user code, so any valid name is accepted there (an unknown one reads as []).
      boolean known = p.stageNamed(stage) != null
          || (p.stages().stream().anyMatch(PipelineDefinition::keepsAllFields) && PipelineDefinition.NAME.matcher(stage).matches());
      if (!known) {
        return complete(json(StatusCodes.NOT_FOUND, JsonViews.error("unknown stage '" + stage + "'", null)));
      }
      long[] range = timeRange(params);
      if (range == null) {
        return complete(json(StatusCodes.BAD_REQUEST, JsonViews.error("from and to must be integers (epoch millis)", null)));
      }
      long from = range[0];
      long to = range[1];
      ResultsPage page;
      try {
        page = ResultsPage.parse(params.get("limit"), params.get("after"));
      } catch (IllegalArgumentException e) {
        return complete(json(StatusCodes.BAD_REQUEST, JsonViews.error(e.getMessage(), null)));
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
          .thenApply(list -> json(StatusCodes.OK, JsonViews.results(list)))
          .exceptionally(e -> unavailable("results store", e)));
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

  /** The late side output of a stage (default the first), shaped like the late events, by event time. */
  private Route late(PipelineDefinition pipeline) {
    return parameterMap(params -> {
      PipelineDefinition p = pipeline.stageNamed(params.getOrDefault("stage", pipeline.stage()));
      if (p == null) {
        return complete(json(StatusCodes.NOT_FOUND, JsonViews.error("unknown stage '" + params.get("stage") + "'", null)));
      }
      if (p.lateOutput() == null) {
        return complete(json(StatusCodes.NOT_FOUND, JsonViews.error(
            "stage '" + p.stage() + "' of pipeline '" + p.name() + "' has no late-output; its late records are only counted", null)));
      }
      long[] range = timeRange(params);
      if (range == null) {
        return complete(json(StatusCodes.BAD_REQUEST, JsonViews.error("from and to must be integers (epoch millis)", null)));
      }
      long from = range[0];
      long to = range[1];
      String key = params.get("key");
      return completeWithFuture(results.lateRecords(p.name(), p.stage(), p.maxKeyGroups())
          .thenApply(all -> json(StatusCodes.OK, JsonViews.lateRecords(p, all.stream()
              .filter(l -> key == null || key.equals(l.record().key()))
              .filter(l -> l.record().ts() >= from && l.record().ts() < to)
              .sorted(java.util.Comparator.comparingLong((CassandraResultsStore.LateRecord l) -> l.record().ts())
                  .thenComparing(l -> l.record().key()).thenComparingInt(CassandraResultsStore.LateRecord::keyGroup)
                  .thenComparingLong(CassandraResultsStore.LateRecord::seq))
              .toList())))
          .exceptionally(e -> unavailable("results store", e)));
    });
  }

  /** Queryable state of one key in a stage ({@code ?stage=}, default the first: the one events enter). */
  private Route state(PipelineDefinition pipeline, String key) {
    return parameterMap(params -> {
      PipelineDefinition p = pipeline.stageNamed(params.getOrDefault("stage", pipeline.stage()));
      if (p == null) {
        return complete(json(StatusCodes.NOT_FOUND, JsonViews.error("unknown stage '" + params.get("stage") + "'", null)));
      }
      CompletionStage<HttpResponse> view = sharding.keyGroup(p, p.keyGroupOf(key))
          .<KeyGroupEntity.KeyStateView>ask(replyTo -> new KeyGroupEntity.GetKeyState(key, replyTo), settings.queryTimeout())
          .thenApply(v -> json(StatusCodes.OK, JsonViews.keyState(v)))
          .exceptionally(e -> unavailable("key group", e));
      return completeWithFuture(view);
    });
  }

  private Route clusterView() {
    return completeWithFuture(cluster.placements(settings.queryTimeout())
        .thenApply(placements -> json(StatusCodes.OK,
            JsonViews.cluster(cluster.selfAddress(), cluster.members(), placements)))
        .exceptionally(e -> unavailable("cluster sharding", e)));
  }

  private HttpResponse unavailable(String what, Throwable e) {
    log.warn("{} did not answer: {}", what, e.toString());
    return json(StatusCodes.SERVICE_UNAVAILABLE, JsonViews.error(what + " did not answer, retry", null))
        .addHeader(RetryAfter.create(1L));
  }

  static HttpResponse json(StatusCode status, JsonNode body) {
    try {
      return HttpResponse.create().withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, JsonViews.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  List<String> pipelineNames() {
    return List.copyOf(pipelines.keySet());
  }
}
