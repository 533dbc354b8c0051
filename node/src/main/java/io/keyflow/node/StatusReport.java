package io.keyflow.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code bin/keyflow status}: one terminal screen of what runs on this machine (the processes whose
 * PID files {@code bin/keyflow} wrote) and of the cluster as the first node that answers sees it:
 * members and their states, key groups per member, and whether placement has settled (every key
 * group on its rendezvous owner). Reads {@code GET /v1/cluster}; sends {@code KEYFLOW_TOKEN} as a
 * bearer token when it is set (a node whose API requires one).
 */
final class StatusReport {

  /** A process {@code bin/keyflow} started: its name (node-1, cassandra-2, autoscaler), PID, whether it runs. */
  record Process(String name, long pid, boolean alive, String address) {

    /** {@code name:pid:alive:address}, as bin/keyflow passes it (address may be empty). */
    static Process parse(String spec) {
      String[] parts = spec.split(":", 4);
      if (parts.length < 3) {
        throw new IllegalArgumentException("expected name:pid:alive[:address], got '" + spec + "'");
      }
      return new Process(parts[0], Long.parseLong(parts[1]), Boolean.parseBoolean(parts[2]),
          parts.length == 4 ? parts[3] : "");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private StatusReport() {}

  /**
   * Args: {@code --nodes URL[,URL..]} (tried in order) then process specs. Exit code 0 when a node
   * answered, 1 when none did (nothing runs, or nothing answers), 2 on bad arguments.
   */
  static int run(List<String> args) {
    List<String> urls = new ArrayList<>();
    List<Process> processes = new ArrayList<>();
    try {
      for (Iterator<String> it = args.iterator(); it.hasNext(); ) {
        String arg = it.next();
        if (arg.equals("--nodes")) {
          String value = it.hasNext() ? it.next() : "";
          for (String url : value.split(",")) {
            if (!url.isBlank()) {
              urls.add(url.strip());
            }
          }
        } else {
          processes.add(Process.parse(arg));
        }
      }
    } catch (IllegalArgumentException e) {
      System.err.println("keyflow status: " + e.getMessage());
      return 2;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String token = System.getenv("KEYFLOW_TOKEN");
    List<String> tried = new ArrayList<>();
    for (String url : urls) {
      try {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/v1/cluster"))
            .timeout(Duration.ofSeconds(3));
        if (token != null && !token.isBlank()) {
          request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          System.out.print(render(processes, url, JSON.readTree(answer.body())));
          return 0;
        }
        tried.add(url + " answered " + answer.statusCode()
            + (answer.statusCode() == 401 ? " (set KEYFLOW_TOKEN to a token with the read scope)" : ""));
      } catch (IOException e) {
        tried.add(url + ": " + e.getClass().getSimpleName());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 1;
      }
    }
    System.out.print(render(processes, null, null));
    System.out.println(tried.isEmpty() ? "cluster: no node runs here" : "cluster: no node answered: " + String.join("; ", tried));
    return 1;
  }

  /** The screen: processes, then (when {@code cluster} is not null) members and placement as {@code servedBy} sees them. */
  static String render(List<Process> processes, String servedBy, JsonNode cluster) {
    StringBuilder out = new StringBuilder();
    out.append("processes\n");
    if (processes.isEmpty()) {
      out.append("  none started by bin/keyflow\n");
    }
    for (Process p : processes) {
      out.append(String.format(Locale.ROOT, "  %-12s pid %-8d %-8s %s%n", p.name(), p.pid(),
          p.alive() ? "running" : "gone", p.address()).stripTrailing()).append('\n');
    }
    if (cluster == null) {
      return out.toString();
    }
    Map<String, Integer> keyGroupsPerMember = new TreeMap<>();
    int keyGroups = 0;
    int placed = 0;
    int misplaced = 0;
    for (JsonNode pipeline : cluster.path("pipelines")) {
      keyGroups += pipeline.path("key_groups").asInt();
      placed += pipeline.path("placed").asInt();
      misplaced += pipeline.path("misplaced").asInt();
      pipeline.path("key_groups_per_member").fields()
          .forEachRemaining(e -> keyGroupsPerMember.merge(e.getKey(), e.getValue().asInt(), Integer::sum));
    }
    out.append("\ncluster (as ").append(servedBy).append(" sees it)\n");
    out.append(String.format(Locale.ROOT, "  %-36s %-9s %-10s %-7s %s%n", "member", "status", "reachable", "leader",
        "key groups"));
    for (JsonNode m : cluster.path("members")) {
      String address = m.path("address").asText();
      out.append(String.format(Locale.ROOT, "  %-36s %-9s %-10s %-7s %d%n", address, m.path("status").asText(),
          m.path("reachable").asBoolean() ? "yes" : "NO", m.path("leader").asBoolean() ? "yes" : "",
          keyGroupsPerMember.getOrDefault(address, 0)));
    }
    out.append("\npipelines (stage: key groups placed / total, misplaced)\n");
    for (JsonNode pipeline : cluster.path("pipelines")) {
      out.append(String.format(Locale.ROOT, "  %s/%s: %d / %d placed, %d misplaced%n",
          pipeline.path("pipeline").asText(), pipeline.path("stage").asText(), pipeline.path("placed").asInt(),
          pipeline.path("key_groups").asInt(), pipeline.path("misplaced").asInt()));
    }
    boolean settled = cluster.path("balanced").asBoolean() && placed == keyGroups;
    out.append('\n').append(settled
        ? "placement: settled (every key group on its rendezvous owner)"
        : String.format(Locale.ROOT, "placement: MOVING (%d of %d key groups placed, %d not on their rendezvous owner)",
            placed, keyGroups, misplaced)).append('\n');
    return out.toString();
  }
}
