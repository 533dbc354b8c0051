package io.keyflow.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.node.ingest.EventParser;
import io.keyflow.node.ingest.IngestBody;
import io.keyflow.node.json.JsonViews;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.ingest.IdempotencyHeaders;
import io.keyflow.sharding.ingest.Ingestion;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.coding.Coder;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST .../events} and {@code POST .../watermark}: the HTTP side of ingestion. This class
 * owns what is HTTP (media types, charsets, encodings, the body's limits, parsing, the answers);
 * admission, idempotency and routing to key groups are {@link Ingestion}'s. The whole body is
 * validated before anything is applied, and 200 means every event is in the journal.
 */
public final class IngestRoutes extends AllDirectives {

  private static final Logger log = LoggerFactory.getLogger(IngestRoutes.class);
  private static final String NDJSON = "application/x-ndjson";
  private static final String JSON = "application/json";

  private final NodeSettings settings;
  private final Ingestion ingestion;
  private final IngestBody ingestBody;

  IngestRoutes(NodeSettings settings, Ingestion ingestion, Materializer materializer) {
    this.settings = settings;
    this.ingestion = ingestion;
    this.ingestBody = new IngestBody(settings.maxBodyBytes(), settings.bodyReadTimeout(), materializer);
  }

  /** Ingest, with every answer's status and time reported to the ingest metrics. */
  Route ingest(PipelineDefinition p) {
    return extractRequest(request -> {
      long started = System.nanoTime();
      return mapResponse(response -> {
        ingestion.answered(response.status().intValue(), System.nanoTime() - started);
        return response;
      }, () -> untimedIngest(p, request));
    });
  }

  private Route untimedIngest(PipelineDefinition p, HttpRequest request) {
    HttpEntity entity = request.entity();
    IdempotencyHeaders idempotency;
    try {
      idempotency = IdempotencyHeaders.parse(name -> request.getHeader(name).map(h -> h.value()).orElse(null));
    } catch (IllegalArgumentException e) {
      return complete(HttpAnswers.error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
    ContentType contentType = entity.getContentType();
    String media = contentType.mediaType().mainType().toLowerCase(Locale.ROOT) + "/"
        + contentType.mediaType().subType().toLowerCase(Locale.ROOT);
    if (!media.equals(NDJSON) && !media.equals(JSON)) {
      return complete(HttpAnswers.error(StatusCodes.UNSUPPORTED_MEDIA_TYPE,
          "content type must be " + NDJSON + " or " + JSON + ", was " + media));
    }
    Charset charset;
    try {
      charset = contentType.getCharsetOption().map(c -> Charset.forName(c.value())).orElse(StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return complete(HttpAnswers.error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, "unsupported charset"));
    }
    Coder coder = IngestBody.coderOf(request).orElse(null);
    if (coder == null) {
      return complete(HttpAnswers.error(StatusCodes.UNSUPPORTED_MEDIA_TYPE, IngestBody.unsupportedEncoding(request)));
    }
    if (entity.getContentLengthOption().orElse(0L) > settings.maxBodyBytes()) {
      return complete(tooLarge());
    }
    // Admission before the body is read: a chunked body may grow to the size limit, an encoded one
    // may decode to it.
    Ingestion.Reservation reservation = ingestion.reserve(coder == Coder.NoCoding
        ? entity.getContentLengthOption().orElse(settings.maxBodyBytes()) : settings.maxBodyBytes());
    if (reservation == null) {
      return complete(busy("bytes"));
    }
    CompletionStage<HttpResponse> response = ingestBody.read(request, coder)
        .thenCompose(body -> {
          EventParser parser = new EventParser(p, settings.maxEventsPerRequest(), settings.maxLineLength());
          EventParser.Parsed parsed = media.equals(NDJSON) ? parser.parseNdjson(body, charset) : parser.parseJsonArray(body, charset);
          if (!parsed.ok()) {
            return CompletableFuture.completedFuture(
                HttpAnswers.json(parsed.overLimit() ? StatusCodes.PAYLOAD_TOO_LARGE : StatusCodes.BAD_REQUEST,
                    JsonViews.error(parsed.error(), parsed.line())));
          }
          var applied = reservation.apply(p, idempotency, media, body, parsed.records());
          if (applied == null) {
            return CompletableFuture.completedFuture(busy("events"));
          }
          return applied.thenApply(result -> HttpAnswers.json(StatusCodes.OK, JsonViews.MAPPER.createObjectNode()
              .put("accepted", result.accepted()).put("duplicates", result.duplicates())));
        })
        .exceptionally(failure -> {
          HttpResponse answer = failure(failure);
          if (answer.status().intValue() == 503) {
            ingestion.notAcknowledged();
          }
          return answer;
        })
        .whenComplete((r, e) -> reservation.release());
    return completeWithFuture(response);
  }

  /** The pipeline's watermark, from {@code {"watermark": <epoch millis>}}; answers the lowest of its key groups'. */
  Route watermark(PipelineDefinition p) {
    return extractStrictEntity(settings.bodyReadTimeout(), strict -> {
      String text = strict.getData().utf8String();
      long watermark;
      try {
        JsonNode node = JsonViews.MAPPER.readTree(text);
        JsonNode wm = node == null ? null : node.get("watermark");
        if (wm == null || !wm.isIntegralNumber() || !wm.canConvertToLong()) {
          return complete(HttpAnswers.json(StatusCodes.BAD_REQUEST,
              JsonViews.error("body must be {\"watermark\": <epoch millis>}", 1)));
        }
        watermark = wm.longValue();
      } catch (JsonProcessingException e) {
        return complete(HttpAnswers.json(StatusCodes.BAD_REQUEST, JsonViews.error("malformed JSON: " + e.getOriginalMessage(), 1)));
      }
      return completeWithFuture(ingestion.advanceWatermark(p, watermark)
          .thenApply(min -> HttpAnswers.json(StatusCodes.OK, JsonViews.MAPPER.createObjectNode().put("watermark", min)))
          .exceptionally(this::failure));
    });
  }

  private HttpResponse failure(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (cause instanceof EntityStreamSizeException) {
      return tooLarge();
    }
    if (cause instanceof IngestBody.Refused refused) {
      return HttpAnswers.error(refused.status(), refused.getMessage());
    }
    if (cause instanceof IngestRefused refused) {
      return HttpAnswers.error(StatusCodes.get(refused.httpStatus()), refused.getMessage());
    }
    log.warn("ingest not acknowledged: {}", cause.toString());
    return HttpAnswers.error(StatusCodes.SERVICE_UNAVAILABLE, "not acknowledged, retry: " + cause.getClass().getSimpleName())
        .addHeader(RetryAfter.create(1L));
  }

  private static HttpResponse busy(String bound) {
    return HttpAnswers.error(StatusCodes.SERVICE_UNAVAILABLE, "node busy: in-flight " + bound + " at their bound, retry")
        .addHeader(RetryAfter.create(1L));
  }

  private HttpResponse tooLarge() {
    return HttpAnswers.error(StatusCodes.PAYLOAD_TOO_LARGE, "body larger than " + settings.maxBodyBytes() + " bytes");
  }
}
