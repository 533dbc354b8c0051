package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two node JVMs with the real bundled Cassandra: the same Idempotency-Key with two different bodies,
 * sent at the same moment to the two nodes, is applied once and refused once with 422 — decided by
 * the key's home key group, with no lightweight transaction per request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoNodeIdempotencyIT {

  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_idem")
      .nodes(2)
      .readyTimeout(Duration.ofSeconds(240))
      .build();

  private final HttpJson http = new HttpJson();

  @Test
  void theSameKeyWithTwoBodiesAtTwoNodesAtOnceIsAppliedOnceAndRefusedOnceWith422() throws Exception {
    for (int round = 0; round < 10; round++) {
      String key = "race-" + round;
      String userA = "a-" + round;
      String userB = "b-" + round;
      CyclicBarrier start = new CyclicBarrier(2);
      var a = CompletableFuture.supplyAsync(() -> post(nodes.node(1), key, body(userA), start));
      var b = CompletableFuture.supplyAsync(() -> post(nodes.node(2), key, body(userB), start));
      List<Integer> statuses = List.of(a.get().statusCode(), b.get().statusCode());
      assertThat(statuses).as(a.get().body() + " / " + b.get().body()).containsExactlyInAnyOrder(200, 422);
      String loser = a.get().statusCode() == 422 ? userA : userB;
      String winner = loser.equals(userA) ? userB : userA;
      assertThat(windowsOf(nodes.node(1), loser)).as("nothing of the refused body").isEmpty();
      assertThat(windowsOf(nodes.node(2), winner)).isNotEmpty();
    }
  }

  private JsonNode windowsOf(NodeProcess node, String user) throws Exception {
    HttpJson.Response state = http.getRetrying503(node.baseUrl() + "/v1/pipelines/clicks/state/" + user,
        Duration.ofSeconds(60));
    assertThat(state.status()).as(state.body()).isEqualTo(200);
    return state.json().get("windows");
  }

  private static String body(String user) {
    return "{\"user\":\"" + user + "\",\"ts\":1767225600000,\"amount\":1}\n{\"user\":\"" + user + "-2\",\"ts\":1767225600001,\"amount\":1}\n";
  }

  private static HttpResponse<String> post(NodeProcess node, String key, String body, CyclicBarrier start) {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/pipelines/clicks/events"))
          .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-ndjson").header("Idempotency-Key", key)
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      start.await();
      return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
