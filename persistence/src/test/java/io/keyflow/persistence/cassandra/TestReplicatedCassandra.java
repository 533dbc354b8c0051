package io.keyflow.persistence.cassandra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A bundled store of three Cassandra nodes for integration tests (docs/replication.md): on
 * 127.0.2.1-3 with the test ports of {@link TestCassandra} (so neither a developer's store nor the
 * one-node test Cassandra is disturbed), data under {@code target/it-cassandra-rf3-<i>}. Stopped
 * by {@link #stop} or when the JVM that started it exits.
 */
public final class TestReplicatedCassandra {

  public static final int NODES = 3;

  private static BundledCassandraSettings settings;

  private TestReplicatedCassandra() {}

  public static synchronized BundledCassandraSettings settings() {
    if (settings == null) {
      Path home = TestCassandra.home();
      Path base = home.resolve("target");
      settings = new BundledCassandraSettings(
          base.resolve("it-cassandra-rf3"), TestCassandra.HOST, TestCassandra.NATIVE_PORT, TestCassandra.STORAGE_PORT,
          "768m", home.resolve("persistence/cassandra/target/lib"), home.resolve("persistence/cassandra/pom.xml"),
          base.resolve("it-run"), base.resolve("it-logs/cassandra-rf3.log"), Duration.ofSeconds(240),
          NODES, List.of("127.0.2.1", "127.0.2.2", "127.0.2.3"));
      Runtime.getRuntime().addShutdownHook(new Thread(TestReplicatedCassandra::stop));
    }
    return settings;
  }

  /** Starts every store node that does not answer, one after the other; their PIDs. */
  public static synchronized List<Long> ensureRunning() {
    return new BundledCassandra(settings()).ensureRunning();
  }

  /** kill -9 of store node {@code i} (1..3): no flush, no goodbye to the others. Returns its PID. */
  public static long kill(int i) throws IOException {
    long pid = pidOf(i);
    ProcessHandle.of(pid).ifPresent(p -> {
      p.destroyForcibly();
      p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
    });
    return pid;
  }

  /** Whether store node {@code i} answers CQL. */
  public static boolean isAnswering(int i) {
    return new BundledCassandra(settings()).isAnswering(settings().members().get(i - 1));
  }

  /** The PID recorded for store node {@code i} when it was started. */
  public static long pidOf(int i) throws IOException {
    return Long.parseLong(Files.readString(settings().members().get(i - 1).pidFile()).strip());
  }

  /** Stops (SIGTERM, then SIGKILL after 30 s) every store node this checkout's test runs started. */
  public static synchronized void stop() {
    if (settings == null) {
      return;
    }
    for (BundledCassandraSettings.Member member : settings.members()) {
      try {
        if (!Files.exists(member.pidFile())) {
          continue;
        }
        long pid = Long.parseLong(Files.readString(member.pidFile()).strip());
        ProcessHandle.of(pid).filter(p -> p.info().command().orElse("").endsWith("java")).ifPresent(p -> {
          p.destroy();
          p.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(e -> {
            p.destroyForcibly();
            return p;
          }).join();
        });
        Files.deleteIfExists(member.pidFile());
      } catch (IOException | RuntimeException e) {
        System.err.println("could not stop " + member.name() + ": " + e);
      }
    }
  }

  /** System properties that point a node JVM at this store and a keyspace of its own. */
  public static Map<String, String> nodeProperties(String keyspace) {
    BundledCassandraSettings s = settings();
    Map<String, String> props = new TreeMap<>();
    props.put("keyflow.cassandra.keyspace", keyspace);
    props.put("keyflow.cassandra.bundled.nodes", Integer.toString(s.nodes()));
    props.put("keyflow.cassandra.bundled.native-port", Integer.toString(s.nativePort()));
    props.put("keyflow.cassandra.bundled.storage-port", Integer.toString(s.storagePort()));
    props.put("keyflow.cassandra.bundled.data-dir", s.dataDir().toString());
    props.put("keyflow.cassandra.bundled.run-dir", s.runDir().toString());
    props.put("keyflow.cassandra.bundled.log-file", s.logFile().toString());
    props.put("keyflow.cassandra.bundled.heap", s.heap());
    props.put("keyflow.home", TestCassandra.home().toString());
    return props;
  }
}
