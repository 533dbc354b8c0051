package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One real node with authentication on (a tokens file) and TLS on (cluster-config/tls.conf: HTTPS
 * and Artery tls-tcp, stores made by bin/make-test-ca). Refused requests go to pipeline
 * {@code guarded}, which has one key group: its record count staying 0 shows nothing was applied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecuredNodeIT {

  private static final long START = 1_767_225_600_000L;
  private static final String WRITER = "it-writer-0123456789abcdef";
  private static final String READER = "it-reader-0123456789abcdef";
  private static final int MAX_EVENTS = 50;
  private static final int MAX_LINE = 300;

  private final String keyspace = TestCassandra.uniqueKeyspace("kf_secured");
  private NodeProcess node;
  private Path tlsDir;
  private Path tokensFile;
  private Path pipelinesFile;
  private HttpClient https;

  @BeforeAll
  void startNode() throws Exception {
    TestCassandra.ensureRunning();
    Path home = TestCassandra.home();
    tlsDir = home.resolve("node/target/it-tls");
    Process ca = new ProcessBuilder(home.resolve("bin/make-test-ca").toString(), tlsDir.toString(), "127.0.0.2", "127.0.0.3")
        .redirectErrorStream(true).start();
    String caOutput = new String(ca.getInputStream().readAllBytes());
    assertThat(ca.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(ca.exitValue()).as(caOutput).isZero();
    https = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
        .sslContext(trusting(tlsDir.resolve("truststore.p12"))).build();

    Path tokens = home.resolve("node/target/it-secured-tokens");
    Files.writeString(tokens, "# SecuredNodeIT\n" + WRITER + " write\n" + READER + " read\n");
    tokensFile = tokens;
    Path pipelines = NodeProcess.writePipelines("it-pipelines-secured.conf", """
        keyflow.pipelines.guarded {
          key-field = "user"
          max-key-groups = 1
          window { type = tumbling, size = 10s }
          aggregations = [ { name = n, fn = count } ]
        }
        keyflow.pipelines.accepted {
          key-field = "user"
          max-key-groups = 4
          max-out-of-orderness = 0s
          window { type = tumbling, size = 10s }
          aggregations = [ { name = n, fn = count } ]
        }
        """);
    pipelinesFile = pipelines;
    node = startSecured(1);
    node.awaitReady(Duration.ofSeconds(180));
  }

  /** Node n with cluster-config/node-n.conf plus cluster-config/tls.conf, auth on, small limits. */
  private NodeProcess startSecured(int n) throws IOException {
    Path home = TestCassandra.home();
    Path config = home.resolve("node/target/it-secured-node-" + n + ".conf");
    Files.writeString(config, "include file(\"" + home.resolve("cluster-config/node-" + n + ".conf") + "\")\n"
        + "include file(\"" + home.resolve("cluster-config/tls.conf") + "\")\n");
    return NodeProcess.start(n, keyspace, pipelinesFile, Map.of(
        "keyflow.security.auth", "on",
        "keyflow.security.tokens-file", tokensFile.toString(),
        "keyflow.tls-files.dir", tlsDir.toString(),
        "keyflow.http.max-events-per-request", Integer.toString(MAX_EVENTS),
        "keyflow.http.max-line-length", Integer.toString(MAX_LINE)), config);
  }

  @AfterAll
  void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theNodeServesHttpsAndRemotingOverTls() throws Exception {
    assertThat(node.log()).contains("authentication on").contains("node up: https://127.0.0.2");
    assertThat(node.log()).containsPattern("Remoting started with transport \\[Artery tls-tcp\\]");
    assertThat(send("GET", "/v1/cluster", READER, null).statusCode()).isEqualTo(200);
  }

  @Test
  void ingestWithoutATokenIs401AndAppliesNothing() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/pipelines/guarded/events", null, events("nobody", 3));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("Bearer realm=\"keyflow\""));
    assertThat(json(response).get("error").asText()).contains("Bearer");
    assertThat(send("POST", "/v1/pipelines/guarded/watermark", null, "{\"watermark\": " + (START + 60_000) + "}")
        .statusCode()).isEqualTo(401);
    assertNothingApplied("nobody");
  }

  @Test
  void ingestWithAReadOnlyTokenIs403AndAppliesNothing() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/pipelines/guarded/events", READER, events("reader", 3));

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(json(response).get("error").asText()).endsWith("needs scope write");
    assertNothingApplied("reader");
  }

  @Test
  void ingestWithAWriteTokenIsAppliedAndItsResultsAreReadWithAReadToken() throws Exception {
    HttpResponse<String> ingest = send("POST", "/v1/pipelines/accepted/events", WRITER, events("writer", 3));
    assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);
    assertThat(json(ingest).get("accepted").asInt()).isEqualTo(3);
    assertThat(send("GET", "/v1/pipelines/accepted/results?key=writer", WRITER, null).statusCode())
        .as("the write token cannot read").isEqualTo(403);
    assertThat(send("POST", "/v1/pipelines/accepted/watermark", WRITER, "{\"watermark\": " + (START + 60_000) + "}")
        .statusCode()).isEqualTo(200);

    await("results of writer").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
      HttpResponse<String> results = send("GET", "/v1/pipelines/accepted/results?key=writer", READER, null);
      assertThat(results.statusCode()).isEqualTo(200);
      assertThat(json(results)).hasSize(1);
      assertThat(json(results).get(0).get("values").get("n").asLong()).isEqualTo(3);
    });
  }

  @Test
  void plainHttpToTheApiFails() {
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + NodeProcess.HTTP_PORT
            + "/v1/pipelines/guarded/events")).timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + WRITER).header("Content-Type", "application/x-ndjson")
            .POST(HttpRequest.BodyPublishers.ofString(events("plain", 3))).build(), HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    assertNothingAppliedQuietly("plain");
  }

  @Test
  void aClientThatDoesNotTrustTheTestCaIsRefusedTheConnection() {
    HttpClient defaultTrust = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    assertThatThrownBy(() -> defaultTrust.send(HttpRequest.newBuilder(url("/v1/cluster"))
        .header("Authorization", "Bearer " + READER).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(javax.net.ssl.SSLHandshakeException.class);
  }

  @Test
  void anOverLongLineIs413WithItsLineNumberAndAppliesNothing() throws Exception {
    String body = event("longline", 1) + "\n"
        + "{\"user\":\"longline\",\"ts\":" + START + ",\"pad\":\"" + "x".repeat(MAX_LINE) + "\"}\n"
        + event("longline", 3) + "\n";

    HttpResponse<String> response = send("POST", "/v1/pipelines/guarded/events", WRITER, body);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(json(response).get("line").asInt()).isEqualTo(2);
    assertThat(json(response).get("error").asText()).contains("line longer than " + MAX_LINE);
    assertNothingApplied("longline");
  }

  @Test
  void tooManyEventsInOneRequestIs413AndAppliesNothing() throws Exception {
    HttpResponse<String> response = send("POST", "/v1/pipelines/guarded/events", WRITER, events("many", MAX_EVENTS + 1));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(json(response).get("error").asText()).contains("more than " + MAX_EVENTS + " events");
    assertNothingApplied("many");
  }

  /** Last: a second node joins over Artery TLS (mutual authentication, hostname verification on). */
  @Test
  @Order(Integer.MAX_VALUE)
  void aSecondNodeJoinsOverArteryTlsAndTakesKeyGroups() throws Exception {
    try (NodeProcess second = startSecured(2)) {
      second.awaitReady(Duration.ofSeconds(180));

      await("two members, key groups on both").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> {
            JsonNode cluster = json(send("GET", "/v1/cluster", READER, null));
            assertThat(cluster.get("members")).hasSize(2)
                .allSatisfy(m -> assertThat(m.get("status").asText()).isEqualTo("Up"));
            assertThat(cluster.toString()).contains("pekko://keyflow@127.0.0.3:" + NodeProcess.REMOTE_PORT);
            assertThat(cluster.get("balanced").asBoolean()).isTrue();
          });
      String keys = IntStream.range(0, 40).mapToObj(i -> event("joined-" + i, i)).collect(Collectors.joining("\n"));
      HttpResponse<String> ingest = send("POST", "/v1/pipelines/accepted/events", WRITER, keys);
      assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);
      assertThat(json(ingest).get("accepted").asInt()).isEqualTo(40);
      assertThat(second.log()).contains("Remoting started with transport [Artery tls-tcp]");
    }
  }

  /** Pipeline guarded has one key group: 0 records in it means no request ever reached it. */
  private void assertNothingApplied(String key) throws Exception {
    HttpResponse<String> state = send("GET", "/v1/pipelines/guarded/state/" + key, READER, null);
    assertThat(state.statusCode()).as(state.body()).isEqualTo(200);
    assertThat(json(state).get("key_group_records").asLong()).isZero();
    assertThat(json(state).get("windows")).isEmpty();
    assertThat(json(state).get("watermark").isNull()).as("watermark of guarded").isTrue();
  }

  private void assertNothingAppliedQuietly(String key) {
    try {
      assertNothingApplied(key);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String event(String user, int i) {
    return "{\"user\":\"" + user + "\",\"ts\":" + (START + i) + "}";
  }

  private static String events(String user, int n) {
    return IntStream.range(0, n).mapToObj(i -> event(user, i)).collect(Collectors.joining("\n"));
  }

  private static URI url(String path) {
    return URI.create("https://127.0.0.2:" + NodeProcess.HTTP_PORT + path);
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (method.equals("POST")) {
      request.header("Content-Type", path.endsWith("/events") ? "application/x-ndjson" : "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body));
    } else {
      request.GET();
    }
    return https.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> response) throws IOException {
    return HttpJson.MAPPER.readTree(response.body());
  }

  private static SSLContext trusting(Path trustStore) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(trustStore)) {
      store.load(in, "keyflow-test".toCharArray());
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return context;
  }
}
