package io.keyflow.node;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Keyflow node JVM for integration tests, started from the packaged node (target/lib) on its
 * own loopback address 127.0.0.(n+1), with test ports and a keyspace of the test's own.
 */
final class NodeProcess implements AutoCloseable {

  static final int HTTP_PORT = 18080;
  static final int REMOTE_PORT = 25620;
  static final int MANAGEMENT_PORT = 18558;

  private final int n;
  private final Process process;
  private final Path log;

  private NodeProcess(int n, Process process, Path log) {
    this.n = n;
    this.process = process;
    this.log = log;
  }

  static NodeProcess start(int n, String keyspace, Path extraPipelines) throws IOException {
    return start(n, keyspace, extraPipelines, Map.of());
  }

  static NodeProcess start(int n, String keyspace, Path extraPipelines, Map<String, String> overrides) throws IOException {
    return start(n, keyspace, extraPipelines, overrides, TestCassandra.home().resolve("cluster-config/node-" + n + ".conf"));
  }

  /** A node whose application config is {@code configFile} instead of cluster-config/node-n.conf. */
  static NodeProcess start(int n, String keyspace, Path extraPipelines, Map<String, String> overrides, Path configFile)
      throws IOException {
    return start(n, TestCassandra.nodeProperties(keyspace), extraPipelines, overrides, configFile);
  }

  /** A node on the store that {@code storeProperties} name (keyspace included), e.g. TestReplicatedCassandra's. */
  static NodeProcess start(int n, Map<String, String> storeProperties, Path extraPipelines, Map<String, String> overrides,
      Path configFile) throws IOException {
    String keyspace = storeProperties.get("keyflow.cassandra.keyspace");
    Path home = TestCassandra.home();
    Path logs = home.resolve("target/it-logs");
    Files.createDirectories(logs);
    Path log = logs.resolve(keyspace + "-node-" + n + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Dconfig.file=" + configFile);
    Map<String, String> props = new java.util.TreeMap<>(storeProperties);
    props.put("keyflow.node.http-port", Integer.toString(HTTP_PORT));
    props.put("keyflow.node.remote-port", Integer.toString(REMOTE_PORT));
    props.put("keyflow.node.management-port", Integer.toString(MANAGEMENT_PORT));
    props.put("pekko.actor.serialize-messages", "on");
    props.putAll(overrides);
    if (extraPipelines != null) {
      props.put("keyflow.extra-pipelines-file", extraPipelines.toString());
    }
    props.forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-cp");
    command.add(home.resolve("node/target/lib") + "/*:" + home.resolve("node/target/keyflow-node.jar"));
    command.add("io.keyflow.node.Main");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    return new NodeProcess(n, process, log);
  }

  /** Writes a pipelines file for a test under target/ and returns its path. */
  static Path writePipelines(String fileName, String hocon) throws IOException {
    Path file = TestCassandra.home().resolve("target/" + fileName);
    Files.createDirectories(file.getParent());
    Files.writeString(file, hocon);
    return file;
  }

  /** Runs {@code io.keyflow.node.Main args} against {@code keyspace} like a node would; returns its exit code. */
  static int runMain(String keyspace, Path log, String... args) throws IOException, InterruptedException {
    Path home = TestCassandra.home();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dconfig.file=" + home.resolve("cluster-config/node-1.conf"));
    TestCassandra.nodeProperties(keyspace).forEach((k, v) -> command.add("-D" + k + "=" + v));
    command.add("-cp");
    command.add(home.resolve("node/target/lib") + "/*:" + home.resolve("node/target/keyflow-node.jar"));
    command.add("io.keyflow.node.Main");
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("Main " + List.of(args) + " did not finish in 120 s");
    }
    return process.exitValue();
  }

  /** Waits for the node to exit by itself; its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("node-" + n + " still running after " + timeout);
    }
    return process.exitValue();
  }

  String log() throws IOException {
    return Files.readString(log);
  }

  String host() {
    return "127.0.0." + (n + 1);
  }

  String baseUrl() {
    return "http://" + host() + ":" + HTTP_PORT;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits until /ready answers 200: cluster member Up and every key group running. */
  void awaitReady(Duration timeout) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    URI ready = URI.create("http://" + host() + ":" + MANAGEMENT_PORT + "/ready");
    org.awaitility.Awaitility.await("node-" + n + " ready").atMost(timeout).pollInterval(Duration.ofMillis(250))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> {
          if (!process.isAlive()) {
            throw new IllegalStateException("node-" + n + " exited with " + process.exitValue() + ":\n" + tail());
          }
          return http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        });
  }

  /** kill -9: the JVM gets no chance to leave the cluster or flush anything. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
