package io.keyflow.persistence.cassandra;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The bundled Cassandra for integration tests: one instance per Maven run on its own ports
 * (19042/17000, so a developer's running cluster is not disturbed), data under the checkout's
 * {@code target/it-cassandra}. Started by the first test that needs it, stopped when that JVM exits
 * (only if it started it). Each test uses its own keyspace. Two checkouts running ITs on one machine
 * would share (and stop) each other's instance: give one of them other ports with
 * {@code -Dkeyflow.it.cassandra.native-port=... -Dkeyflow.it.cassandra.storage-port=...}.
 */
public final class TestCassandra {

  public static final String HOST = "127.0.0.1";
  public static final int NATIVE_PORT = Integer.getInteger("keyflow.it.cassandra.native-port", 19042);
  public static final int STORAGE_PORT = Integer.getInteger("keyflow.it.cassandra.storage-port", 17000);

  private static BundledCassandraSettings settings;

  private TestCassandra() {}

  /** The checkout root: failsafe passes it as keyflow.home; otherwise the working directory's parent. */
  public static Path home() {
    String home = System.getProperty("keyflow.home");
    if (home != null && !home.isBlank()) {
      return Path.of(home).toAbsolutePath().normalize();
    }
    return Path.of("..").toAbsolutePath().normalize();
  }

  public static synchronized BundledCassandraSettings ensureRunning() {
    if (settings != null) {
      return settings;
    }
    Path home = home();
    Path base = home.resolve("target");
    BundledCassandraSettings s = new BundledCassandraSettings(
        base.resolve("it-cassandra"), HOST, NATIVE_PORT, STORAGE_PORT, "768m",
        home.resolve("persistence/cassandra/target/lib"), home.resolve("persistence/cassandra/pom.xml"),
        base.resolve("it-run"), base.resolve("it-logs/cassandra.log"), Duration.ofSeconds(240));
    for (long pid : new BundledCassandra(s).ensureRunning()) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.of(pid).ifPresent(p -> {
        p.destroy();
        p.onExit().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> {
          p.destroyForcibly();
          return p;
        }).join();
      })));
    }
    settings = s;
    return s;
  }

  /** System properties that point a node JVM at the test Cassandra and a keyspace of its own. */
  public static Map<String, String> nodeProperties(String keyspace) {
    BundledCassandraSettings s = ensureRunning();
    return Map.of(
        "keyflow.cassandra.keyspace", keyspace,
        "keyflow.cassandra.bundled.native-port", Integer.toString(s.nativePort()),
        "keyflow.cassandra.bundled.storage-port", Integer.toString(s.storagePort()),
        "keyflow.cassandra.bundled.data-dir", s.dataDir().toString(),
        "keyflow.cassandra.bundled.run-dir", s.runDir().toString(),
        "keyflow.cassandra.bundled.log-file", s.logFile().toString(),
        "keyflow.cassandra.bundled.heap", s.heap(),
        "keyflow.home", home().toString());
  }

  /** A keyspace name no earlier run used: the test Cassandra's data outlives a Maven run. */
  public static String uniqueKeyspace(String prefix) {
    return prefix + "_" + Long.toString(System.currentTimeMillis(), 36);
  }

  /** The keys the launcher reads, so a test can check the settings above name them all. */
  static List<String> keys() {
    return List.copyOf(ConfigFactory.load().getConfig("keyflow.cassandra.bundled").root().keySet());
  }
}
