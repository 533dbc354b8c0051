package io.keyflow.loadtests.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Watches what the nodes of a {@link LocalCluster} say about membership over HTTP: a node's readiness
 * and whether a faulted node's key groups were taken over. Apart from {@link LocalCluster}, which changes
 * the cluster (processes, signals, links), because these only read the public API and decide from
 * its JSON what counts as "taken over".
 */
final class MembershipWatch {

  private final int size;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final ObjectMapper json = new ObjectMapper();

  MembershipWatch(int size) {
    this.size = size;
  }

  /** Whether node n answers ready on its management port (every key group running). */
  boolean ready(int n) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://" + LocalCluster.host(n) + ":8558/ready"))
          .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Waits until a node other than {@code n} reports {@code n} gone from the membership and every key
   * group of every pipeline placed on the others: the takeover is complete.
   */
  boolean waitTakenOver(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String address = "pekko://keyflow@" + LocalCluster.host(n) + ":25520";
    while (System.nanoTime() < deadline) {
      for (int other = 1; other <= size; other++) {
        if (other != n && takenOver(LocalCluster.url(other), address)) {
          return true;
        }
      }
      Thread.sleep(500);
    }
    return false;
  }

  private boolean takenOver(String node, String address) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node + "/v1/cluster"))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return false;
      }
      JsonNode view = json.readTree(response.body());
      for (JsonNode member : view.get("members")) {
        if (member.get("address").asText().equals(address)) {
          return false;
        }
      }
      for (JsonNode p : view.get("pipelines")) {
        if (p.get("placed").asInt() != p.get("key_groups").asInt() || p.get("key_groups_per_member").has(address)) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
