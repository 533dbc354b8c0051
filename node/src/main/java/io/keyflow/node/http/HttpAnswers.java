package io.keyflow.node.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.node.json.JsonViews;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers every route shares, so that a JSON body, an error and a "retry" 503 look the same
 * whichever route gives them (README.md, "HTTP API").
 */
public final class HttpAnswers {

  private static final Logger log = LoggerFactory.getLogger(HttpAnswers.class);

  private HttpAnswers() {}

  static HttpResponse json(StatusCode status, JsonNode body) {
    try {
      return HttpResponse.create().withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, JsonViews.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code {"error": message}} with {@code status}. */
  static HttpResponse error(StatusCode status, String message) {
    return json(status, JsonViews.error(message, null));
  }

  /** A 503 for a part of the cluster ({@code what}) that did not answer in time: the client retries. */
  static HttpResponse unavailable(String what, Throwable e) {
    log.warn("{} did not answer: {}", what, e.toString());
    return error(StatusCodes.SERVICE_UNAVAILABLE, what + " did not answer, retry").addHeader(RetryAfter.create(1L));
  }
}
