package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Nexmark query pipelines load on a real node from the shipped {@code cluster-config/nexmark.conf}
 * (their state and outputs pass the node's codec checks) and give the hand-computed answers over small
 * streams through the HTTP API, second stages included. Their full check against a model over
 * generated streams is {@code NexmarkQueriesTest} in load-tests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NexmarkPipelinesIT {

  private static final long T = 1_767_225_600_000L; // a multiple of 10 s
  @RegisterExtension
  static final KeyflowNodes nodes = KeyflowNodes.builder("kf_nexmark")
      .pipelines(TestCassandra.home().resolve("cluster-config/nexmark.conf"))
      .build();

  private final HttpJson http = new HttpJson();

  @Test
  void q4ClosesAuctionsAtExpiryAndAveragesTheirFinalPricesPerCategory() throws Exception {
    post("nexmark-q4",
        auction(1000, 11, 0, 5_000), bid(1000, 1, 300, 1_000), bid(1002, 2, 400, 2_500), auction(1001, 11, 2_000, 8_000),
        auction(1002, 12, 2_000, 9_000), bid(1001, 3, 700, 3_000), bid(1000, 4, 500, 4_000), bid(1000, 5, 900, 6_000));
    List<String> closings = results("nexmark-q4", "?stage=main", 3, r -> r.get("key").asText() + "@"
        + (r.get("window_start").asLong() - T) + " c" + r.get("values").get("category").asLong() + " "
        + r.get("values").get("price").asLong());
    // 1000: the bid after its expiry does not count; 1002: its bid came before it and waited.
    assertThat(closings).containsExactly("1000@5000 c11 500", "1001@8000 c11 700", "1002@9000 c12 400");
    List<String> averages = results("nexmark-q4", "", 2, r -> r.get("key").asText() + " "
        + (r.get("window_start").asLong() - T) + " " + r.get("values").get("avg_price").asDouble() + "/"
        + r.get("values").get("auctions").asLong());
    assertThat(averages).containsExactly("11 0 600.0/2", "12 0 400.0/1");
  }

  @Test
  void q5ReportsTheAuctionsWithMostBidsOfEverySlidingWindow() throws Exception {
    post("nexmark-q5", bid(1, 9, 10, 100), bid(2, 9, 10, 200), bid(1, 9, 10, 300), bid(3, 9, 10, 400),
        bid(2, 9, 10, 500), bid(2, 9, 10, 600), bid(1, 9, 10, 700));
    List<String> hot = results("nexmark-q5", "", 5, r -> (r.get("values").get("window_end").asLong() - T) + " "
        + r.get("values").get("bids").asLong() + " " + r.get("values").get("auctions"));
    // Every bid is in the five 10 s windows ending 2 s, 4 s, .., 10 s after T.
    assertThat(hot).containsExactly("2000 3 [1,2]", "4000 3 [1,2]", "6000 3 [1,2]", "8000 3 [1,2]", "10000 3 [1,2]");
  }

  @Test
  void q7AndQ11FindTheHighestBidAndTheBidderSessions() throws Exception {
    post("nexmark-q7", bid(1, 7, 50, 1_000), bid(2, 8, 80, 2_000), bid(3, 9, 80, 1_500), bid(4, 7, 20, 12_000));
    assertThat(results("nexmark-q7", "", 2, r -> (r.get("window_start").asLong() - T) + " "
        + r.get("values").get("auction").asLong() + "/" + r.get("values").get("price").asLong()))
        .containsExactly("0 3/80", "10000 4/20");
    post("nexmark-q11", bid(1, 7, 1, 0), bid(1, 7, 1, 5_000), bid(1, 7, 1, 20_000), bid(1, 8, 1, 1_000));
    assertThat(results("nexmark-q11", "", 3, r -> r.get("key").asText() + " [" + (r.get("window_start").asLong() - T)
        + "," + (r.get("window_end").asLong() - T) + ") " + r.get("values").get("bids").asLong()))
        .containsExactly("7 [0,15000) 2", "7 [20000,30000) 1", "8 [1000,11000) 1");
  }

  private void post(String pipeline, String... events) throws Exception {
    var ok = http.postNdjson(nodes.url(1) + "/v1/pipelines/" + pipeline + "/events", String.join("\n", events) + "\n");
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    var wm = http.post(nodes.url(1) + "/v1/pipelines/" + pipeline + "/watermark", "application/json",
        ("{\"watermark\":" + (T + 3_600_000) + "}").getBytes());
    assertThat(wm.status()).as(wm.body()).isEqualTo(200);
  }

  private List<String> results(String pipeline, String query, int expected,
      java.util.function.Function<JsonNode, String> line) {
    List<String> lines = new ArrayList<>();
    await(pipeline + " results").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
      lines.clear();
      for (JsonNode r : http.get(nodes.url(1) + "/v1/pipelines/" + pipeline + "/results" + query).json()) {
        lines.add(line.apply(r));
      }
      return lines.size() >= expected;
    });
    return lines;
  }

  private static String auction(long id, long category, long at, long expiresAt) {
    return "{\"type\":\"auction\",\"id\":" + id + ",\"seller\":1000,\"category\":" + category + ",\"initialBid\":1"
        + ",\"expires\":" + (T + expiresAt) + ",\"ts\":" + (T + at) + "}";
  }

  private static String bid(long auction, long bidder, long price, long at) {
    return "{\"type\":\"bid\",\"auction\":" + auction + ",\"bidder\":" + bidder + ",\"price\":" + price
        + ",\"ts\":" + (T + at) + "}";
  }
}
