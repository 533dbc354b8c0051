package io.keyflow.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keyflow.persistence.cassandra.TestCassandra;
import java.io.IOException;
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
 * downloaded) against three real nodes, the page served by the third: it lists the members and
 * colours every key group by its node; the cluster figures show a load through the other two and the
 * lag per stage; a kill -9 under load shows as marks and recoveries; the grid follows the key groups
 * when a node leaves gracefully, and a page opened later still shows the marks. {@code bin/keyflow
 * status} (its Java part, {@code Main status}) runs against the same cluster. Screenshots go to
 * node/target/it-logs/dashboard*.png.
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
    for (int n = 1; n <= 3; n++) {
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
  void gridFiguresAndMarksFollowALoadAKillAndALeave() throws Exception {
    NodeProcess page = nodes.get(2);
    NodeProcess leaving = nodes.get(0);
    NodeProcess killed = nodes.get(1);
    String leavingAddress = "pekko://keyflow@" + leaving.host() + ":" + NodeProcess.REMOTE_PORT;
    Set<String> all = nodes.stream().map(n -> "pekko://keyflow@" + n.host() + ":" + NodeProcess.REMOTE_PORT)
        .collect(Collectors.toSet());
    int keyGroups = 0;
    for (var p : http.get(page.baseUrl() + "/v1/cluster").json().get("pipelines")) {
      if (p.get("pipeline").asText().equals("clicks")) {
        keyGroups += p.get("key_groups").asInt();
      }
    }
    assertThat(keyGroups).isPositive();
    int expectedCells = keyGroups;

    browser.get(page.baseUrl() + "/");
    assertThat(browser.getTitle()).isEqualTo("Keyflow dashboard");
    // Rebalancing spreads the groups over every node after the last one joined.
    await("all members listed, every key group coloured, on every node").atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(memberRows()).containsOnlyKeys(all.toArray(String[]::new)).allSatisfy((a, s) -> assertThat(s).isEqualTo("Up"));
          Map<Integer, String> cells = cells();
          assertThat(cells).hasSize(expectedCells);
          assertThat(Set.copyOf(cells.values())).isEqualTo(all);
          assertThat(http.get(page.baseUrl() + "/v1/cluster").json().get("balanced").asBoolean()).isTrue();
        });
    assertThat(browser.executeScript("return document.querySelector(\"#members tr[data-address='\" + arguments[0]"
        + " + \"'] .mark\").textContent", addressOf(page))).asString().contains("self");
    assertThat(browser.findElements(By.cssSelector("#legend .legend-item"))).hasSize(3);
    assertThat(browser.findElement(By.id("status")).getText()).startsWith("updated");
    screenshot("dashboard.png");
    statusShowsTheClusterSettled(keyGroups);
    clusterFiguresFollowALoadThroughTwoNodes(page);
    killUnderLoadShowsAsMarksAndRecoveries(killed);
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
          assertThat(memberRows()).containsOnlyKeys(addressOf(page));
          Map<Integer, String> cells = cells();
          assertThat(cells).hasSize(expectedCells);
          assertThat(Set.copyOf(cells.values())).containsExactly(addressOf(page));
        });
    Map<Integer, String> after = cells();
    assertThat(after).isNotEqualTo(before);
    assertThat(onLeaving).allSatisfy(kg -> assertThat(after.get(kg)).isEqualTo(addressOf(page)));
    assertThat(texts("#recoveries li")).as("moves listed with the node they left")
        .anyMatch(text -> text.contains(leaving.host() + ":" + NodeProcess.REMOTE_PORT + " →"));

    // The cluster figures: the node that left loses its row, its removal is a mark on the time axis,
    // and a page opened afterwards still shows it (the history is kept on the node, not the page).
    await("the node that left has no row; its removal is marked").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(attributes("#cluster-figures tr[data-node]", "data-node")).containsExactly(addressOf(page));
          assertThat(texts("#cluster-marks li[data-kind='removed']")).anyMatch(t -> t.contains(leavingAddress + " removed"));
          assertThat(attributes("#chart-rate .mark-line", "data-kind")).contains("removed");
        });
    browser.get(page.baseUrl() + "/");
    await("a page opened after the leave shows the marks").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(texts("#cluster-marks li[data-kind='removed']")).anyMatch(t -> t.contains(leavingAddress + " removed"));
          assertThat(attributes("#chart-rate .mark-line", "data-kind")).contains("removed", "down", "recovered");
        });
    screenshot("dashboard-after-leave.png");
  }

  /**
   * 100-event requests from {@code threads} senders, round robin over {@code targets}, until
   * {@code endMillis}; each 200 is noted with its time and accepted count. Event time moves on with
   * every request, so windows fire and results are written.
   */
  private final class Load {
    final List<long[]> acked = java.util.Collections.synchronizedList(new ArrayList<>());
    final List<Thread> senders = new ArrayList<>();

    Load(List<NodeProcess> targets, int threads, long endMillis, long firstTs) {
      for (int t = 0; t < threads; t++) {
        NodeProcess target = targets.get(t % targets.size());
        int sender = t;
        Thread thread = new Thread(() -> {
          int request = 0;
          while (System.currentTimeMillis() < endMillis) {
            StringBuilder body = new StringBuilder();
            for (int i = 0; i < 100; i++) {
              body.append("{\"user\":\"u").append((request * 100 + i) % 500).append("\",\"ts\":")
                  .append(firstTs + request * 100L + i).append(",\"amount\":1}\n");
            }
            try {
              HttpJson.Response answer = http.postNdjson(target.baseUrl() + "/v1/pipelines/clicks/events", body.toString());
              if (answer.status() == 200) {
                acked.add(new long[] {System.currentTimeMillis(), answer.json().get("accepted").asLong()});
              }
            } catch (Exception e) {
              // A node killed under the load: its requests fail, the others go on.
            }
            request++;
          }
        }, "dashboard-load-" + sender);
        senders.add(thread);
        thread.start();
      }
    }

    void join() throws InterruptedException {
      for (Thread thread : senders) {
        thread.join(60_000);
      }
    }

    long ackedBetween(long from, long to) {
      synchronized (acked) {
        return acked.stream().filter(a -> a[0] > from && a[0] <= to).mapToLong(a -> a[1]).sum();
      }
    }
  }

  /**
   * Under a known load through the first two nodes, the page served by the third shows a row per
   * node, a chart with points, and a total rate within 30 % of what the load saw acknowledged over the
   * same 10 s (the page's figures are what the nodes counted at their answers); the lag per stage
   * shows the clicks pipeline with its event-time lag and processing lags.
   */
  private void clusterFiguresFollowALoadThroughTwoNodes(NodeProcess page) throws Exception {
    long loadStart = System.currentTimeMillis();
    Load load = new Load(nodes.subList(0, 2), 4, loadStart + 14_000, 1_767_225_600_000L);
    await("the page charts the load").atMost(Duration.ofSeconds(14)).pollInterval(Duration.ofMillis(500))
        .until(() -> ((Number) browser.executeScript("const t = document.getElementById('cluster-total-rate');"
            + " return t ? Number(t.textContent) || 0 : 0;")).doubleValue() > 0 && load.ackedBetween(0, loadStart + 8_000) > 0
            && System.currentTimeMillis() > loadStart + 8_000);
    screenshot("dashboard-under-load.png");
    load.join();
    // The middle 10 s of the load, whole seconds.
    long from = (loadStart / 1000 + 2) * 1000;
    long to = from + 10_000;
    long loadEvents = load.ackedBetween(from, to);
    assertThat(loadEvents).as("the load was acknowledged").isPositive();
    await("the page shows every node and the load's rate").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          assertThat(attributes("#cluster-figures tr[data-node]", "data-node"))
              .containsExactlyInAnyOrder(nodes.stream().map(DashboardIT::addressOf).toArray(String[]::new));
          assertThat(Integer.parseInt(attributes("#chart-rate", "data-points").get(0))).isPositive();
          // What the page drew: per second, the total over the nodes of the events they acknowledged.
          Number pageEvents = (Number) browser.executeScript("""
              const d = window.KeyflowCluster;
              return d.totals(d.data.nodes, p => p.acked_per_s)
                .filter(p => p.at > arguments[0] && p.at <= arguments[1]).reduce((s, p) => s + p.v, 0);""", from, to);
          assertThat(pageEvents.doubleValue()).isCloseTo(loadEvents, within(0.3 * loadEvents));
        });
    // Lag per stage, over the whole cluster: every key group of clicks counted, an event-time lag
    // with the slowest groups, and the second's p99 of records applied (the load ended less than
    // 10 s ago, so some second of the window had them).
    await("the lag per stage shows clicks").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
        .untilAsserted(() -> {
          List<?> row = (List<?>) browser.executeScript("""
              const r = document.querySelector("#stage-lag tr[data-pipeline='clicks']");
              return r ? Array.from(r.children).map(c => c.textContent) : [];""");
          assertThat(row).hasSize(8);
          assertThat(String.valueOf(row.get(3))).matches("\\d+\\.\\d s");
          assertThat(String.valueOf(row.get(4))).contains("#");
          assertThat(String.valueOf(row.get(5))).matches("\\d+\\.\\d ms");
        });
  }

  /**
   * kill -9 of a node under a load through another: the page shows the node unreachable, then gone
   * from the rows, and its key groups recovered on the survivors, as marks on the time axis.
   */
  private void killUnderLoadShowsAsMarksAndRecoveries(NodeProcess victim) throws Exception {
    String address = addressOf(victim);
    Load load = new Load(List.of(nodes.get(0)), 2, System.currentTimeMillis() + 45_000, 1_767_300_000_000L);
    try {
      await("the load runs").atMost(Duration.ofSeconds(20)).until(() -> load.acked.size() >= 10);
      victim.kill();
      await("the killed node is marked unreachable").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .untilAsserted(() -> assertThat(texts("#cluster-marks li[data-kind='unreachable']"))
              .anyMatch(t -> t.contains(address + " unreachable")));
      screenshot("dashboard-failover.png");
      await("the killed node's row goes and its key groups recover elsewhere").atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(attributes("#cluster-figures tr[data-node]", "data-node")).doesNotContain(address).hasSize(2);
            assertThat(texts("#cluster-marks li[data-kind='down']")).anyMatch(t -> t.contains(address + " downed"));
            assertThat(texts("#cluster-marks li[data-kind='recovered']")).isNotEmpty();
            assertThat(cells()).doesNotContainValue(address).doesNotContainValue("");
          });
      screenshot("dashboard-after-failover.png");
    } finally {
      load.join();
    }
    assertThat(load.ackedBetween(0, Long.MAX_VALUE)).as("the load through the survivor was acknowledged").isPositive();
  }

  /** {@code bin/keyflow status}'s Java part against the running cluster: members, key groups, placement. */
  private void statusShowsTheClusterSettled(int keyGroups) throws Exception {
    Path log = TestCassandra.home().resolve("node/target/it-logs/dashboard-status.txt");
    List<String> args = new ArrayList<>(List.of("status", "--nodes",
        nodes.stream().map(NodeProcess::baseUrl).collect(Collectors.joining(","))));
    for (NodeProcess node : nodes) {
      args.add("node-" + (nodes.indexOf(node) + 1) + ":" + node.pid() + ":true:" + node.baseUrl());
    }
    assertThat(NodeProcess.runMain(keyspace, log, args.toArray(String[]::new))).as(Files.readString(log)).isZero();
    String screen = Files.readString(log);
    for (NodeProcess node : nodes) {
      assertThat(screen).contains("pid " + node.pid()).containsPattern(node.host() + ":" + NodeProcess.REMOTE_PORT + " +Up ");
    }
    assertThat(screen).contains("clicks/main: " + keyGroups + " / " + keyGroups + " placed, 0 misplaced")
        .contains("placement: settled");
  }

  private void screenshot(String name) throws IOException {
    Files.write(TestCassandra.home().resolve("node/target/it-logs/" + name), browser.getScreenshotAs(OutputType.BYTES));
  }

  @Test
  void figuresReadTheMetricsEndpointOrSayNotAvailable() throws Exception {
    browser.get(nodes.get(2).baseUrl() + "/");
    int metrics = http.get(nodes.get(2).baseUrl() + "/metrics").status();
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
