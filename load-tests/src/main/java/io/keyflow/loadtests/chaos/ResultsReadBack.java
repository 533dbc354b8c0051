package io.keyflow.loadtests.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The end of a chaos run, over the public HTTP API: the final watermark that fires every window, then
 * the results read back until they settle. Apart from {@link ChaosRunner} because when results count
 * as settled is a rule of its own, learned from failed runs (see {@link #settled}), while the runner
 * owns the run's timeline and its verdict.
 */
final class ResultsReadBack {

  /** The read-back ends once the results have not changed for this long (unless they agree with the ledger first). */
  private static final Duration READ_BACK_QUIET = Duration.ofSeconds(30);
  /** The read-back ends after this long whatever it reads. */
  private static final Duration READ_BACK_BOUND = Duration.ofMinutes(3);

  private final List<String> nodes;
  private final String pipeline;
  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  /** Reads {@code pipeline}'s results from the first of {@code nodes} that answers. */
  ResultsReadBack(List<String> nodes, String pipeline) {
    this.nodes = nodes;
    this.pipeline = pipeline;
  }

  /**
   * Reads the results (from the first node that answers) until they agree with the ledger, or have
   * not changed for {@link #READ_BACK_QUIET}, at most {@link #READ_BACK_BOUND}; returns the last read.
   * Results reach the store after the journal, from each key group's outbox, retried after a failed
   * write: a node restarted cold when the final watermark fired every window had its results writes
   * time out for 25 s (kill-burst, seed 4242, 2026-12-07), and two reads a second apart, the rule
   * until then, agreed on results still on their way. Results that are really lost never agree with
   * the ledger, and stop changing.
   */
  Map<String, LedgerChecker.ReadBack> settled(Predicate<Map<String, LedgerChecker.ReadBack>> agrees)
      throws InterruptedException {
    Map<String, LedgerChecker.ReadBack> previous = null;
    long changedAt = System.nanoTime();
    long bound = changedAt + READ_BACK_BOUND.toNanos();
    while (System.nanoTime() < bound) {
      Thread.sleep(1_000);
      Map<String, LedgerChecker.ReadBack> current = null;
      for (String node : nodes) {
        current = readBack(node);
        if (current != null) {
          break;
        }
      }
      if (current == null) {
        System.out.println("chaos: no node answered the results read-back");
        continue;
      }
      if (agrees.test(current)) {
        return current;
      }
      if (!current.equals(previous)) {
        changedAt = System.nanoTime();
      } else if (System.nanoTime() - changedAt >= READ_BACK_QUIET.toNanos()) {
        return current;
      }
      previous = current;
    }
    return previous == null ? Map.of() : previous;
  }

  /** One node's read-back of every key's results, or null if it did not answer 200. */
  private Map<String, LedgerChecker.ReadBack> readBack(String node) throws InterruptedException {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(node + "/v1/pipelines/" + pipeline + "/results"))
          .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return null;
      }
      Map<String, LedgerChecker.ReadBack> byKey = new HashMap<>();
      for (JsonNode r : json.readTree(response.body())) {
        JsonNode v = r.get("values");
        byKey.merge(r.get("key").asText(), new LedgerChecker.ReadBack(v.get("n").asLong(), v.get("seq_sum").asLong(),
            v.get("seq_min").asLong(), v.get("seq_max").asLong()), LedgerChecker.ReadBack::plus);
      }
      return byKey;
    } catch (IOException e) {
      return null;
    }
  }

  /** Posts to the first node that answers 2xx. */
  void post(String path, String body) throws InterruptedException {
    for (String node : nodes) {
      try {
        HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(node + path))
            .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 == 2) {
          return;
        }
      } catch (IOException e) {
        System.out.println("chaos: " + node + path + " failed: " + e);
      }
    }
  }
}
