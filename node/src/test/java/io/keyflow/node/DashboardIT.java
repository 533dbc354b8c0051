package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keyflow.persistence.cassandra.TestCassandra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium (Debian's, driven by Debian's chromedriver; nothing is
 * downloaded) against two real nodes: it lists the members and colours every key group by its
 * node, and the grid follows the key groups when a node leaves gracefully; the cluster figures show
 * both nodes under load, and the leave as a mark that a page opened later still shows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final String CELLS = "return Array.from(document.querySelectorAll('#grid-clicks .cell'))"
      + ".map(c => [c.getAttribute('data-key-group'), c.getAttribute('data-node') || ''])";

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final HttpJson http = new HttpJson();
  private final String keyspace = TestCassandra.uniqueKeyspace("kf_dash");
  private ChromeDriver browser;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
        "DashboardIT needs " + CHROMIUM + " and " + CHROMEDRIVER + " (apt-get install -y chromium chromium-driver;"
            + " .ci/run installs them)");
    TestCassandra.ensureRunning();
    // Two nodes, not three: on a shared two-core machine each node start costs 30-60 s.
    for (int n = 1; n <= 2; n++) {
      NodeProcess node = NodeProcess.start(n, keyspace, null);
      nodes.add(node);
      node.awaitReady(Duration.ofSeconds(240));
    }
    browser = headlessChromium();
  }

  @AfterAll
  void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    for (NodeProcess node : nodes) {
      node.close();
    }
  }

  /** Explicit driver and browser paths, so Selenium Manager has nothing to look up or download. */
  private static ChromeDriver headlessChromium() throws Exception {
    Path target = TestCassandra.home().resolve("node/target");
    Files.createDirectories(target.resolve("it-logs"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort()
        .withLogFile(target.resolve("it-logs/chromedriver.log").toFile())
        .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-gpu", "--disable-quic",
        "--window-size=1280,1500",
        "--user-data-dir=" + Files.createTempDirectory(target, "chromium-profile-"));
    return new ChromeDriver(service, options);
  }

  @Test
  void gridShowsEveryKeyGroupOnItsNodeAndFollowsThemWhenANodeLeaves() throws Exception {
    NodeProcess leaving = nodes.get(1);
    String leavingAddress = "pekko://keyflow@" + leaving.host() + ":" + NodeProcess.REMOTE_PORT;
    Set<String> all = nodes.stream().map(n -> "pekko://keyflow@" + n.host() + ":" + NodeProcess.REMOTE_PORT)
        .collect(Collectors.toSet());
    int keyGroups = 0;
    for (var p : http.get(nodes.get(0).baseUrl() + "/v1/cluster").json().get("pipelines")) {
      if (p.get("pipeline").asText().equals("clicks")) {
        keyGroups += p.get("key_groups").asInt();
      }
    }
    assertThat(keyGroups).isPositive();
    int expectedCells = keyGroups;

    browser.get(nodes.get(0).baseUrl() + "/");
    assertThat(browser.getTitle()).isEqualTo("Keyflow dashboard");
    // Rebalancing spreads the groups over both nodes after the second one joined.
    await("all members listed, every key group coloured, on every node").atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(memberRows()).containsOnlyKeys(all.toArray(String[]::new)).allSatisfy((a, s) -> assertThat(s).isEqualTo("Up"));
          Map<Integer, String> cells = cells();
          assertThat(cells).hasSize(expectedCells);
          assertThat(Set.copyOf(cells.values())).isEqualTo(all);
          assertThat(http.get(nodes.get(0).baseUrl() + "/v1/cluster").json().get("balanced").asBoolean()).isTrue();
        });
    assertThat(browser.executeScript("return document.querySelector(\"#members tr[data-address='\" + arguments[0]"
        + " + \"'] .mark\").textContent", addressOf(nodes.get(0)))).asString().contains("self");
    assertThat(browser.findElements(By.cssSelector("#legend .legend-item"))).hasSize(2);
    assertThat(browser.findElement(By.id("status")).getText()).startsWith("updated");
    Files.write(TestCassandra.home().resolve("node/target/it-logs/dashboard.png"), browser.getScreenshotAs(OutputType.BYTES));
    clusterFiguresFollowALoadThroughBothNodes();
    Map<Integer, String> before = cells();
    Set<Integer> onLeaving = before.keySet().stream().filter(kg -> before.get(kg).equals(leavingAddress))
        .collect(Collectors.toSet());
    assertThat(onLeaving).as("key groups shown on the node about to leave").isNotEmpty();

    HttpResponse<String> leave = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://" + leaving.host() + ":" + NodeProcess.MANAGEMENT_PORT + "/cluster/members/" + leavingAddress))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .PUT(HttpRequest.BodyPublishers.ofString("operation=Leave")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(leave.statusCode()).as(leave.body()).isEqualTo(200);

    await("the grid shows no key group on the node that left").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(memberRows()).containsOnlyKeys(addressOf(nodes.get(0)));
          Map<Integer, String> cells = cells();
          assertThat(cells).hasSize(expectedCells).doesNotContainValue(leavingAddress).doesNotContainValue("");
        });
    Map<Integer, String> after = cells();
    assertThat(after).isNotEqualTo(before);
    assertThat(onLeaving).allSatisfy(kg -> assertThat(after.get(kg)).isIn(all).isNotEqualTo(leavingAddress));
    assertThat(texts("#recoveries li")).as("moves listed with the node they left")
        .anyMatch(text -> text.contains(leaving.host() + ":" + NodeProcess.REMOTE_PORT + " →"));

    // The cluster figures: the node that left loses its row, its removal is a mark on the time axis,
    // and a page opened afterwards still shows it (the history is kept on the node, not the page).
    await("the node that left has no row; its removal is marked").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(texts("#cluster-figures tr[data-node]")).hasSize(1);
          assertThat(attributes("#cluster-figures tr[data-node]", "data-node")).containsExactly(addressOf(nodes.get(0)));
          assertThat(texts("#cluster-marks li[data-kind='removed']")).anyMatch(t -> t.contains(leavingAddress + " removed"));
          assertThat(attributes("#chart-rate .mark-line", "data-kind")).contains("removed");
        });
    browser.get(nodes.get(0).baseUrl() + "/");
    await("a page opened after the leave shows the mark").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(texts("#cluster-marks li[data-kind='removed']")).anyMatch(t -> t.contains(leavingAddress + " removed"));
          assertThat(attributes("#chart-rate .mark-line", "data-kind")).contains("removed");
        });
    Files.write(TestCassandra.home().resolve("node/target/it-logs/dashboard-after-leave.png"),
        browser.getScreenshotAs(OutputType.BYTES));
  }

  /**
   * Under a known load through both nodes, the page served by the first shows a row per node, a
   * chart with points, and a total rate within 30 % of what the load saw acknowledged over the same
   * 10 s (the page's figures are what the nodes counted at their answers).
   */
  private void clusterFiguresFollowALoadThroughBothNodes() throws Exception {
    List<long[]> acked = java.util.Collections.synchronizedList(new ArrayList<>());
    long loadStart = System.currentTimeMillis();
    long loadEnd = loadStart + 14_000;
    List<Thread> senders = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      NodeProcess target = nodes.get(t % 2);
      int sender = t;
      Thread thread = new Thread(() -> {
        int request = 0;
        try {
          while (System.currentTimeMillis() < loadEnd) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 100; i++) {
              body.append("{\"user\":\"u").append((request * 100 + i) % 500).append("\",\"ts\":")
                  .append(1_767_225_600_000L + sender * 1_000_000L + request * 100L + i).append(",\"amount\":1}\n");
            }
            HttpJson.Response answer = http.postNdjson(target.baseUrl() + "/v1/pipelines/clicks/events", body.toString());
            if (answer.status() == 200) {
              acked.add(new long[] {System.currentTimeMillis(), answer.json().get("accepted").asLong()});
            }
            request++;
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "dashboard-load-" + t);
      senders.add(thread);
      thread.start();
    }
    for (Thread thread : senders) {
      thread.join(60_000);
    }
    // The middle 10 s of the load, whole seconds.
    long from = (loadStart / 1000 + 2) * 1000;
    long to = from + 10_000;
    long loadEvents;
    synchronized (acked) {
      loadEvents = acked.stream().filter(a -> a[0] > from && a[0] <= to).mapToLong(a -> a[1]).sum();
    }
    assertThat(loadEvents).as("the load was acknowledged").isPositive();
    await("the page shows both nodes and the load's rate").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(attributes("#cluster-figures tr[data-node]", "data-node")).containsExactlyInAnyOrder(
              addressOf(nodes.get(0)), addressOf(nodes.get(1)));
          assertThat(Integer.parseInt(attributes("#chart-rate", "data-points").get(0))).isPositive();
          // What the page drew: per second, the total over the nodes of the events they acknowledged.
          Number pageEvents = (Number) browser.executeScript("""
              const d = window.KeyflowCluster;
              return d.totals(d.data.nodes, p => p.acked_per_s)
                .filter(p => p.at > arguments[0] && p.at <= arguments[1]).reduce((s, p) => s + p.v, 0);""", from, to);
          assertThat(pageEvents.doubleValue()).isCloseTo(loadEvents, within(0.3 * loadEvents));
        });
  }

  @Test
  void figuresReadTheMetricsEndpointOrSayNotAvailable() throws Exception {
    browser.get(nodes.get(0).baseUrl() + "/");
    int metrics = http.get(nodes.get(0).baseUrl() + "/metrics").status();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      // One script call: the figures are redrawn on every poll, so a found element can go stale.
      List<?> figures = (List<?>) browser.executeScript("return ['ack-p50-clicks', 'rate-clicks']"
          + ".map(id => { const e = document.getElementById(id); return e ? e.textContent : ''; })");
      String p50 = String.valueOf(figures.get(0));
      String rate = String.valueOf(figures.get(1));
      if (metrics == 404) {
        assertThat(p50).isEqualTo("n/a");
        assertThat(rate).isEqualTo("n/a");
      } else {
        assertThat(rate).endsWith("events/s");
      }
    });
    // The page's own parsing of the Prometheus text (Micrometer writes a trailing comma in labels).
    Object quantiles = browser.executeScript("""
        const d = window.KeyflowDashboard;
        const text = '# TYPE keyflow_ingest_ack_latency_seconds histogram\\n'
          + 'keyflow_ingest_ack_latency_seconds_bucket{pipeline="clicks",le="0.01",} 50.0\\n'
          + 'keyflow_ingest_ack_latency_seconds_bucket{pipeline="clicks",le="0.1",} 90.0\\n'
          + 'keyflow_ingest_ack_latency_seconds_bucket{pipeline="clicks",le="+Inf",} 100.0\\n'
          + 'keyflow_ingest_ack_latency_seconds_bucket{pipeline="other",le="+Inf",} 7.0\\n';
        const buckets = d.bucketsOf(d.parseMetrics(text), 'clicks');
        return [d.quantile(0.5, buckets), d.quantile(0.7, buckets), d.quantile(0.99, buckets)];""");
    List<?> q = (List<?>) quantiles;
    assertThat(((Number) q.get(0)).doubleValue()).isCloseTo(0.01, within(1e-9));
    assertThat(((Number) q.get(1)).doubleValue()).as("p70 halfway into the 10-100 ms bucket").isCloseTo(0.055, within(1e-9));
    assertThat(((Number) q.get(2)).doubleValue()).isCloseTo(0.1, within(1e-9));
  }

  private static String addressOf(NodeProcess node) {
    return "pekko://keyflow@" + node.host() + ":" + NodeProcess.REMOTE_PORT;
  }

  /** Member address to status, as the page lists them (read in one script: the rows are redrawn every poll). */
  private Map<String, String> memberRows() {
    Map<String, String> rows = new HashMap<>();
    for (Object pair : (List<?>) browser.executeScript("return Array.from(document.querySelectorAll('#members tr'))"
        + ".map(r => [r.getAttribute('data-address'), r.getAttribute('data-status')])")) {
      rows.put((String) ((List<?>) pair).get(0), (String) ((List<?>) pair).get(1));
    }
    return rows;
  }

  private List<String> attributes(String selector, String attribute) {
    return ((List<?>) browser.executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]))",
        selector, attribute)).stream().map(String::valueOf).toList();
  }

  private List<String> texts(String selector) {
    return ((List<?>) browser.executeScript(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)", selector))
        .stream().map(String::valueOf).toList();
  }

  /** Key group to the node the page shows it on ("" while it moves). */
  private Map<Integer, String> cells() {
    Map<Integer, String> cells = new HashMap<>();
    for (Object pair : (List<?>) browser.executeScript(CELLS)) {
      List<?> p = (List<?>) pair;
      cells.put(Integer.parseInt((String) p.get(0)), (String) p.get(1));
    }
    return cells;
  }
}
