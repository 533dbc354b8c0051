package io.keyflow.loadtests.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.pipeline.KeyGroupAssigner;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the {@link RecoveryProbe}'s keys lived before the first fault, read once from
 * {@code GET /v1/cluster}: each probe key's key group, the host holding it, and whether that host is
 * one the probe does not write through (so may be faulted). Apart from the probe because it is the
 * only part that reads the placement and does the key-group math (with pipeline's public
 * {@link KeyGroupAssigner}); the probe only times writes against it.
 */
final class ProbePlacement {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final int[] groups;
  private final String[] holders;
  private final boolean[] onFaulted;

  private ProbePlacement(int[] groups, String[] holders, boolean[] onFaulted) {
    this.groups = groups;
    this.holders = holders;
    this.onFaulted = onFaulted;
  }

  /** Key group of each probe key. */
  int[] groups() {
    return groups;
  }

  /** Host of the node holding each probe key's group ("" if none was named). */
  String[] holders() {
    return holders;
  }

  /**
   * Per probe key: is its key group held by a node the probe does not write through? Null when no
   * probe key group is (a Cassandra fault): then every key is affected by its failures.
   */
  boolean[] onFaulted() {
    return onFaulted;
  }

  /**
   * The placement of {@code keys} probe keys ({@code probe0, probe1, ...}) of {@code pipeline}'s main
   * stage, asked of the first of {@code nodes} (the nodes the probe writes through); null if unknown
   * (three reads of {@code GET /v1/cluster} failed, or the pipeline was not in the answer).
   */
  static ProbePlacement read(HttpClient http, List<String> nodes, String pipeline, int keys) {
    for (int attempt = 1; attempt <= 3; attempt++) {
      try {
        return parse(JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(nodes.get(0) + "/v1/cluster"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body()), nodes, pipeline, keys);
      } catch (IOException | RuntimeException e) {
        System.out.println("chaos: probe could not read the key-group placement (" + e + ")"
            + (attempt < 3 ? ", trying again" : "; affected = failed writes"));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  private static ProbePlacement parse(JsonNode cluster, List<String> nodes, String pipeline, int keys) {
    Set<String> untouched = new HashSet<>();
    nodes.forEach(url -> untouched.add(URI.create(url).getHost()));
    for (JsonNode p : cluster.path("pipelines")) {
      if (!p.path("pipeline").asText().equals(pipeline) || !p.path("stage").asText().equals("main")) {
        continue;
      }
      int keyGroups = p.path("key_groups").asInt();
      boolean[] onFaulted = new boolean[keys];
      int[] groupOf = new int[keys];
      String[] holderOf = new String[keys];
      boolean any = false;
      for (int k = 0; k < keys; k++) {
        groupOf[k] = KeyGroupAssigner.keyGroupOf("probe" + k, keyGroups);
        String holder = p.path("holders").path(Integer.toString(groupOf[k])).asText("");
        String host = holder.contains("@") ? holder.substring(holder.indexOf('@') + 1, holder.lastIndexOf(':')) : "";
        holderOf[k] = host;
        onFaulted[k] = !untouched.contains(host);
        any |= onFaulted[k];
      }
      return new ProbePlacement(groupOf, holderOf, any ? onFaulted : null);
    }
    return null;
  }
}
