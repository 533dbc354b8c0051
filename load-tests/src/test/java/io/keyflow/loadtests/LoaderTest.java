package io.keyflow.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load generator against a stand-in node on 127.0.0.1 that misbehaves on purpose. */
class LoaderTest {

  private HttpServer server;
  private final Map<String, AtomicInteger> attemptsByKey = new ConcurrentHashMap<>();

  private String start(int firstStatus, long delayMillis) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/v1/pipelines/clicks/events", exchange -> answer(exchange, firstStatus, delayMillis));
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The first attempt of every key gets {@code firstStatus}; a resend gets the node's 200 ack. */
  private void answer(HttpExchange exchange, int firstStatus, long delayMillis) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
    int attempt = attemptsByKey.computeIfAbsent(key == null ? "none" : key, k -> new AtomicInteger()).incrementAndGet();
    try {
      Thread.sleep(delayMillis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    byte[] answer;
    int status;
    if (attempt == 1 && firstStatus != 200) {
      status = firstStatus;
      answer = "{\"error\":\"busy\"}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Retry-After", "0");
    } else {
      long events = body.lines().count();
      status = 200;
      answer = ("{\"accepted\":" + (attempt == 1 ? events : 0) + ",\"duplicates\":" + (attempt == 1 ? 0 : events) + "}")
          .getBytes(StandardCharsets.UTF_8);
    }
    exchange.sendResponseHeaders(status, answer.length);
    exchange.getResponseBody().write(answer);
    exchange.close();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static String run(String... args) throws InterruptedException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int exit = new Loader(LoadOptions.parse(args), new PrintStream(bytes, true, StandardCharsets.UTF_8)).run();
    return exit + "\n" + bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aBatchAnswered503IsResentWithTheSameKeyAndCountsOnce() throws Exception {
    String node = start(503, 0);
    String out = run("--nodes", node, "--requests", "20", "--batch", "10", "--concurrency", "2",
        "--warmup", "0ms");
    assertThat(out).startsWith("0\n");
    assertThat(out).contains("events_acked=200 ").contains("errors=0 ").contains("status_503=20");
    assertThat(attemptsByKey).hasSize(20).doesNotContainKey("none");
    assertThat(attemptsByKey.values()).allSatisfy(a -> assertThat(a.get()).isEqualTo(2));
  }

  @Test
  void givesUpAfterMaxRetriesAndSaysSo() throws Exception {
    String node = start(503, 0);
    String out = run("--nodes", node, "--requests", "5", "--batch", "10", "--concurrency", "1",
        "--warmup", "0ms", "--max-retries", "0");
    assertThat(out).startsWith("1\n").contains("events_acked=0 ").contains("http_503_gave_up=5");
  }

  @Test
  void openLoopLatencyIncludesTheWaitOfBatchesThatWereDueEarlier() throws Exception {
    // Batches are due every 20 ms but the node takes 100 ms each, one at a time: the backlog grows,
    // and an open-loop client must report it (a closed loop would report ~100 ms throughout).
    String node = start(200, 100);
    String out = run("--nodes", node, "--duration", "1s", "--warmup", "0ms", "--batch", "10",
        "--rate", "500", "--concurrency", "1");
    double maxMs = Double.parseDouble(out.replaceAll("(?s).*max_ms=([0-9.]+).*", "$1"));
    assertThat(maxMs).as(out).isGreaterThan(300);
    assertThat(out).contains("Open loop: 500 events/s");
  }

  @Test
  void writesAnHtmlReportWithTheTimeline(@TempDir Path dir) throws Exception {
    String node = start(200, 0);
    Path report = dir.resolve("load.html");
    String out = run("--nodes", node, "--duration", "2s", "--warmup", "0ms", "--batch", "5",
        "--concurrency", "2", "--report", report.toString());
    assertThat(out).contains("report: ");
    String html = Files.readString(report);
    assertThat(html).contains("<svg", "<polyline", "p99", "RESULT batch=5");
  }
}
