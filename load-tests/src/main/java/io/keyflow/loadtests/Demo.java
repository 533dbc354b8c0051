package io.keyflow.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * {@code bin/keyflow demo}: pushes a fixed sample of clicks (6 users, one minute of event time,
 * slightly out of order) to the demo pipeline over HTTP, spread over every node, closes the windows
 * with an explicit watermark, and prints the window results read back from the cluster as a table,
 * next to the counts expected from the sample itself.
 */
public final class Demo {

  private static final String[] USERS = {"alice", "bob", "carol", "dave", "erin", "frank"};
  private static final long START = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private Demo() {}

  private static int countDemoWindows(JsonNode results) {
    int n = 0;
    for (JsonNode r : results) {
      n += List.of(USERS).contains(r.get("key").asText()) ? 1 : 0;
    }
    return n;
  }

  public static void main(String[] args) throws Exception {
    List<String> nodes = List.of("http://127.0.0.2:8080");
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (args[i].equals("--nodes")) {
        nodes = List.of(args[i + 1].split(","));
      }
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    ObjectMapper json = new ObjectMapper();
    Random random = new Random(2026);
    Map<String, long[]> expected = new TreeMap<>();
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      String user = USERS[random.nextInt(USERS.length)];
      long ts = START + i * 100L - random.nextInt(1_500);
      int amount = 1 + random.nextInt(20);
      lines.add("{\"user\":\"" + user + "\",\"ts\":" + ts + ",\"amount\":" + amount + "}");
      long[] agg = expected.computeIfAbsent(user + "@" + (ts - Math.floorMod(ts, 10_000)), k -> new long[2]);
      agg[0]++;
      agg[1] += amount;
    }
    for (int batch = 0; batch < 6; batch++) {
      String node = nodes.get(batch % nodes.size());
      String body = String.join("\n", lines.subList(batch * 100, batch * 100 + 100)) + "\n";
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node + "/v1/pipelines/clicks/events"))
          .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      System.out.println("POST " + node + " 100 events -> " + response.statusCode() + " " + response.body());
      if (response.statusCode() != 200) {
        System.exit(1);
      }
    }
    long watermark = START + 120_000;
    HttpResponse<String> wm = http.send(HttpRequest.newBuilder(URI.create(nodes.get(0) + "/v1/pipelines/clicks/watermark"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"watermark\":" + watermark + "}")).build(),
        HttpResponse.BodyHandlers.ofString());
    System.out.println("POST watermark " + Instant.ofEpochMilli(watermark) + " -> " + wm.statusCode());

    JsonNode results = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(nodes.get(nodes.size() - 1)
          + "/v1/pipelines/clicks/results")).GET().build(), HttpResponse.BodyHandlers.ofString());
      results = json.readTree(r.body());
      if (results.isArray() && countDemoWindows(results) >= expected.size()) {
        break;
      }
      Thread.sleep(200);
    }
    System.out.println();
    System.out.printf("%-8s %-22s %-22s %6s %8s   %s%n", "user", "window_start", "window_end", "n", "amount", "expected");
    int matching = 0;
    int read = 0;
    for (JsonNode r : results) {
      if (!List.of(USERS).contains(r.get("key").asText())) {
        continue; // other traffic in the same cluster
      }
      read++;
      long start = r.get("window_start").asLong();
      long[] exp = expected.getOrDefault(r.get("key").asText() + "@" + start, new long[2]);
      boolean same = exp[0] == r.get("values").get("n").asLong() && exp[1] == r.get("values").get("amount").asLong();
      matching += same ? 1 : 0;
      System.out.printf("%-8s %-22s %-22s %6d %8d   %s%n", r.get("key").asText(), Instant.ofEpochMilli(start),
          Instant.ofEpochMilli(r.get("window_end").asLong()), r.get("values").get("n").asLong(),
          r.get("values").get("amount").asLong(), same ? "ok" : "expected n=" + exp[0] + " amount=" + exp[1]);
    }
    System.out.printf("%n%d windows read back, %d expected, %d equal to the sample's own counts%n",
        read, expected.size(), matching);
    System.exit(matching == expected.size() && read == expected.size() ? 0 : 1);
  }
}
