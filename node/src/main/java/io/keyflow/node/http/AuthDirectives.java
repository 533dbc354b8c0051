package io.keyflow.node.http;

import io.keyflow.node.json.JsonViews;
import io.keyflow.node.security.ApiScope;
import io.keyflow.node.security.SecuritySettings;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The one gate of the HTTP API: {@link #require} wraps every route and names the scope it needs.
 * It looks at the {@code Authorization: Bearer} header only, before the request body is read or
 * the handler runs, so a refused request changes nothing. 401 (with {@code WWW-Authenticate})
 * when the token is missing or unknown, 403 when it lacks the scope; both with the API's JSON
 * error shape. With authentication off every route is open.
 */
public final class AuthDirectives extends AllDirectives {

  static final String REALM = "keyflow";

  private final SecuritySettings security;

  public AuthDirectives(SecuritySettings security) {
    this.security = security;
  }

  /** {@code inner} for a token with {@code scope}; otherwise 401/403 and {@code inner} never runs. */
  Route require(ApiScope scope, Supplier<Route> inner) {
    if (!security.authEnabled()) {
      return inner.get();
    }
    return optionalHeaderValueByName("Authorization", header -> {
      Optional<String> token = header.flatMap(AuthDirectives::bearerToken);
      if (token.isEmpty()) {
        return complete(unauthorized(header.isEmpty()
            ? "authentication required: Authorization: Bearer <token>"
            : "Authorization header must be 'Bearer <token>'", Map.of()));
      }
      Optional<Set<ApiScope>> scopes = security.tokens().scopesOf(token.get());
      if (scopes.isEmpty()) {
        return complete(unauthorized("unknown token", Map.of("error", "invalid_token")));
      }
      if (!scopes.get().contains(scope)) {
        return complete(HttpAnswers.json(StatusCodes.FORBIDDEN,
                JsonViews.error("this token lacks a scope: the request needs scope " + scope.configName(), null))
            .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", REALM,
                Map.of("error", "insufficient_scope", "scope", scope.configName())))));
      }
      return inner.get();
    });
  }

  /** The token of an {@code Authorization: Bearer <token>} value (scheme case-insensitive). */
  static Optional<String> bearerToken(String header) {
    String value = header.strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) {
      return Optional.empty();
    }
    String token = value.substring(space + 1).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  private static HttpResponse unauthorized(String message, Map<String, String> params) {
    return HttpAnswers.json(StatusCodes.UNAUTHORIZED, JsonViews.error(message, null))
        .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", REALM, params)));
  }
}
