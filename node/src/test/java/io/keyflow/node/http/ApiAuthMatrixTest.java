package io.keyflow.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.keyflow.node.HttpJson;
import io.keyflow.node.security.ApiScope;
import io.keyflow.node.security.ApiTokens;
import io.keyflow.node.security.SecuritySettings;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The auth matrix over the real route table ({@link ApiRoutes}) and the real gate
 * ({@link AuthDirectives}): every endpoint × no token, unknown token, wrong scope, right scope. The
 * handlers only record that they ran, so "nothing applied" means "the handler never ran".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiAuthMatrixTest {

  static final String READ_TOKEN = "reader-0123456789abcdef";
  static final String WRITE_TOKEN = "writer-0123456789abcdef";
  static final String BOTH_TOKEN = "operator-0123456789abcdef";
  static final String UNKNOWN_TOKEN = "stranger-0123456789abcdef";

  /** One endpoint of the API: the handler it reaches and the scope it needs. */
  record Endpoint(String handler, String method, String uri, ApiScope scope) {
    @Override
    public String toString() {
      return method + " " + uri;
    }
  }

  static Stream<Endpoint> endpoints() {
    return Stream.of(
        new Endpoint("cluster", "GET", "/v1/cluster", ApiScope.READ),
        new Endpoint("figures", "GET", "/v1/cluster/figures", ApiScope.READ),
        new Endpoint("pipelines", "GET", "/v1/pipelines", ApiScope.READ),
        new Endpoint("ingest", "POST", "/v1/pipelines/clicks/events", ApiScope.WRITE),
        new Endpoint("watermark", "POST", "/v1/pipelines/clicks/watermark", ApiScope.WRITE),
        new Endpoint("results", "GET", "/v1/pipelines/clicks/results?key=alice", ApiScope.READ),
        new Endpoint("resultsStream", "GET", "/v1/pipelines/clicks/results/stream", ApiScope.READ),
        new Endpoint("late", "GET", "/v1/pipelines/clicks/late", ApiScope.READ),
        new Endpoint("state", "GET", "/v1/pipelines/clicks/state/alice", ApiScope.READ),
        new Endpoint("metrics", "GET", "/metrics", ApiScope.READ));
  }

  private final ActorSystem system = ActorSystem.create("auth-matrix",
      ConfigFactory.parseString("pekko.actor.provider = local\npekko.loglevel = WARNING").withFallback(ConfigFactory.load()));
  private final Materializer materializer = Materializer.matFromSystem(system);
  private final List<String> invoked = new CopyOnWriteArrayList<>();
  private final AllDirectives directives = new AllDirectives() {};
  private final ApiEndpoints recording = (ApiEndpoints) Proxy.newProxyInstance(
      ApiEndpoints.class.getClassLoader(), new Class<?>[] {ApiEndpoints.class}, (proxy, method, args) -> {
        if (method.getDeclaringClass() == Object.class) {
          return method.getName().equals("toString") ? "recording endpoints" : method.invoke(this, args);
        }
        invoked.add(method.getName());
        return directives.complete("handled " + method.getName());
      });

  private final Route secured = routes(true);
  private final Route open = routes(false);

  private Route routes(boolean authEnabled) {
    ApiTokens tokens = ApiTokens.of(List.of(
        new ApiTokens.Configured(READ_TOKEN, List.of("read"), "test[0]"),
        new ApiTokens.Configured(WRITE_TOKEN, List.of("write"), "test[1]"),
        new ApiTokens.Configured(BOTH_TOKEN, List.of("read", "write"), "test[2]")));
    return new ApiRoutes(recording, new AuthDirectives(new SecuritySettings(authEnabled, "test", tokens))).routes();
  }

  @BeforeEach
  void forget() {
    invoked.clear();
  }

  @AfterAll
  void stop() {
    system.terminate();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void withoutATokenEveryEndpointAnswers401WithABearerChallengeAndRunsNothing(Endpoint endpoint) throws Exception {
    HttpResponse response = send(secured, request(endpoint, null));

    assertThat(response.status().intValue()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).get()
        .extracting(h -> h.value()).asString().startsWith("Bearer realm=\"keyflow\"");
    assertThat(json(response).get("error").asText()).contains("Authorization: Bearer");
    assertThat(invoked).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void anUnknownTokenAnswers401AndRunsNothing(Endpoint endpoint) throws Exception {
    HttpResponse response = send(secured, request(endpoint, "Bearer " + UNKNOWN_TOKEN));

    assertThat(response.status().intValue()).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).get().extracting(h -> h.value()).asString()
        .startsWith("Bearer realm=\"keyflow\"").contains("invalid_token");
    assertThat(json(response).get("error").asText()).isEqualTo("unknown token");
    assertThat(invoked).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void aTokenWithoutTheEndpointsScopeAnswers403NamingTheScopeAndRunsNothing(Endpoint endpoint) throws Exception {
    String wrong = endpoint.scope() == ApiScope.WRITE ? READ_TOKEN : WRITE_TOKEN;

    HttpResponse response = send(secured, request(endpoint, "Bearer " + wrong));

    assertThat(response.status().intValue()).isEqualTo(403);
    assertThat(json(response).get("error").asText()).endsWith("needs scope " + endpoint.scope().configName());
    assertThat(invoked).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void aTokenWithTheEndpointsScopeReachesItsHandlerOnce(Endpoint endpoint) throws Exception {
    String right = endpoint.scope() == ApiScope.WRITE ? WRITE_TOKEN : READ_TOKEN;

    HttpResponse response = send(secured, request(endpoint, "Bearer " + right));

    assertThat(response.status().intValue()).isEqualTo(200);
    assertThat(body(response)).isEqualTo("handled " + endpoint.handler());
    assertThat(invoked).containsExactly(endpoint.handler());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void aTokenWithBothScopesReachesEveryHandler(Endpoint endpoint) throws Exception {
    HttpResponse response = send(secured, request(endpoint, "bearer  " + BOTH_TOKEN));

    assertThat(response.status().intValue()).isEqualTo(200);
    assertThat(invoked).containsExactly(endpoint.handler());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  void withAuthenticationOffEveryEndpointIsOpen(Endpoint endpoint) throws Exception {
    HttpResponse response = send(open, request(endpoint, null));

    assertThat(response.status().intValue()).isEqualTo(200);
    assertThat(invoked).containsExactly(endpoint.handler());
  }

  @Test
  void aBasicAuthorizationHeaderIsNotABearerToken() throws Exception {
    HttpResponse response = send(secured, HttpRequest.GET("/v1/cluster")
        .addHeader(RawHeader.create("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
            (READ_TOKEN + ":x").getBytes(java.nio.charset.StandardCharsets.UTF_8)))));

    assertThat(response.status().intValue()).isEqualTo(401);
    assertThat(invoked).isEmpty();
  }

  @Test
  void aRefusedIngestNeverStartsReadingItsBody() throws Exception {
    AtomicBoolean bodyRead = new AtomicBoolean();
    Source<ByteString, ?> body = Source.fromIterator(() -> {
      bodyRead.set(true);
      return List.of(ByteString.fromString("{\"user\":\"a\",\"ts\":1}\n")).iterator();
    });
    HttpRequest ingest = HttpRequest.POST("/v1/pipelines/clicks/events")
        .withEntity(HttpEntities.createChunked(ContentTypes.APPLICATION_JSON, body))
        .addHeader(RawHeader.create("Authorization", "Bearer " + READ_TOKEN));

    HttpResponse response = send(secured, ingest);

    assertThat(response.status().intValue()).isEqualTo(403);
    assertThat(bodyRead).isFalse();
    assertThat(invoked).isEmpty();
  }

  @Test
  void theMatrixCoversEveryEndpointOfTheApi() {
    assertThat(endpoints().map(Endpoint::handler).toList())
        .containsExactlyInAnyOrderElementsOf(Arrays.stream(ApiEndpoints.class.getDeclaredMethods())
            .map(Method::getName).toList());
  }

  private static HttpRequest request(Endpoint endpoint, String authorization) {
    HttpRequest request = HttpRequest.create(endpoint.uri())
        .withMethod(endpoint.method().equals("POST") ? HttpMethods.POST : HttpMethods.GET);
    if (endpoint.method().equals("POST")) {
      request = request.withEntity(ContentTypes.APPLICATION_JSON, "{\"watermark\": 1}");
    }
    return authorization == null ? request : request.addHeader(RawHeader.create("Authorization", authorization));
  }

  private HttpResponse send(Route route, HttpRequest request) throws Exception {
    return route.seal().handler(system).apply(request).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private String body(HttpResponse response) throws Exception {
    return response.entity().toStrict(5_000, materializer).toCompletableFuture().get(10, TimeUnit.SECONDS)
        .getData().utf8String();
  }

  private JsonNode json(HttpResponse response) throws Exception {
    return HttpJson.MAPPER.readTree(body(response));
  }
}
