package io.keyflow.node.http;

import io.keyflow.node.json.JsonViews;
import io.keyflow.node.results.ResultStages;
import io.keyflow.node.results.ResultsPage;
import io.keyflow.node.results.ResultsStream;
import io.keyflow.node.results.StreamCursor;
import io.keyflow.persistence.results.ResultsPager;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.util.Map;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routes that consume results beyond a plain query: the live stream
 * ({@code GET /v1/pipelines/{p}/results/stream}) and the paging of {@code GET .../results}.
 */
public final class ResultsRoutes extends AllDirectives {

  static final String CONTINUATION = "Keyflow-Continuation";

  private static final Logger log = LoggerFactory.getLogger(ResultsRoutes.class);

  private final ResultsStream stream;
  private final ResultsPager pager;

  public ResultsRoutes(ResultsStream stream, ResultsPager pager) {
    this.stream = stream;
    this.pager = pager;
  }

  /**
   * Server-sent events of a stage ({@code ?stage=}, default the last), all key groups or one
   * ({@code ?key_group=n}), resumed after {@code Last-Event-ID} (or {@code ?last_event_id=}).
   */
  Route stream(PipelineDefinition p) {
    return parameterMap(params -> optionalHeaderValueByName("Last-Event-ID", header -> {
      String stage = params.getOrDefault("stage", p.lastStage().stage());
      if (!ResultStages.known(p, stage)) {
        return complete(HttpAnswers.json(StatusCodes.NOT_FOUND, JsonViews.error("unknown stage '" + stage + "'", null)));
      }
      PipelineDefinition own = p.stageNamed(stage);
      int keyGroups = own != null ? own.maxKeyGroups() : p.maxKeyGroups();
      Integer only = null;
      if (params.containsKey("key_group")) {
        try {
          only = Integer.parseInt(params.get("key_group"));
        } catch (NumberFormatException e) {
          only = -1;
        }
        if (only < 0 || only >= keyGroups) {
          return complete(HttpAnswers.json(StatusCodes.BAD_REQUEST,
              JsonViews.error("key_group must be an integer from 0 to " + (keyGroups - 1), null)));
        }
      }
      String last = header.orElse(params.get("last_event_id"));
      StreamCursor cursor;
      try {
        cursor = resumeAfter(last, keyGroups, only);
      } catch (IllegalArgumentException e) {
        return complete(HttpAnswers.json(StatusCodes.BAD_REQUEST, JsonViews.error("malformed Last-Event-ID: " + e.getMessage()
            + (only != null ? " (with key_group it is an output sequence number)" : ""), null)));
      }
      var scope = new ResultsStream.Scope(p.name(), stage, keyGroups, only);
      return completeOK(stream.events(scope, cursor), EventStreamMarshalling.toEventStream());
    }));
  }

  /** The cursor after {@code lastEventId}; the start when absent or empty (SSE: an empty id resets). */
  public static StreamCursor resumeAfter(String lastEventId, int keyGroups, Integer onlyKeyGroup) {
    StreamCursor start = StreamCursor.start(keyGroups);
    if (lastEventId == null || lastEventId.isEmpty()) {
      return start;
    }
    if (onlyKeyGroup == null) {
      return StreamCursor.decode(lastEventId, keyGroups);
    }
    long seq;
    try {
      seq = Long.parseLong(lastEventId);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not an output sequence number");
    }
    if (seq < 0) {
      throw new IllegalArgumentException("not an output sequence number");
    }
    return seq == 0 ? start : start.advance(onlyKeyGroup, seq);
  }

  /**
   * One page of a results query: a bare JSON array as unpaged, and when more follow the token in
   * {@code Keyflow-Continuation} and a {@code Link: <...&after=token>; rel="next"} header.
   */
  Route paged(ResultsPage page, ResultsPager.Query query) {
    return extractUri(uri -> completeWithFuture(page.read(pager, query)
        .thenApply(one -> {
          HttpResponse response = HttpAnswers.json(StatusCodes.OK, JsonViews.results(one.results()));
          if (one.next() == null) {
            return response;
          }
          return response.addHeader(RawHeader.create(CONTINUATION, one.next()))
              .addHeader(RawHeader.create("Link", "<" + nextUri(uri, one.next()) + ">; rel=\"next\""));
        })
        .exceptionally(e -> {
          log.warn("results store did not answer: {}", e.toString());
          return HttpAnswers.json(StatusCodes.SERVICE_UNAVAILABLE, JsonViews.error("results store did not answer, retry", null))
              .addHeader(RetryAfter.create(1L));
        })));
  }

  private static String nextUri(Uri uri, String token) {
    Map<String, String> query = new java.util.LinkedHashMap<>(uri.query().toMap());
    query.put("after", token);
    return uri.query(org.apache.pekko.http.javadsl.model.Query.create(query.entrySet().stream()
        .map(e -> org.apache.pekko.japi.Pair.create(e.getKey(), e.getValue()))
        .toArray(org.apache.pekko.japi.Pair[]::new))).toRelative().toString();
  }
}
