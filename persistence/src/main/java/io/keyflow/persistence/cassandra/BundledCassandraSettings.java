package io.keyflow.persistence.cassandra;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of the bundled Cassandra, read once from {@code keyflow.cassandra.bundled}.
 *
 * @param dataDir       data, commit log and generated config live here
 * @param host          listen and CQL address; loopback only
 * @param nativePort    CQL port
 * @param storagePort   inter-node port (a single node still binds it)
 * @param heap          -Xms and -Xmx of the Cassandra JVM, e.g. "1g"
 * @param libDir        Cassandra's jars, copied here from Maven on first use
 * @param pom           the small pom that names cassandra-all (never on the node's classpath)
 * @param runDir        where {@code cassandra.pid} is written
 * @param logFile       where the detached Cassandra's output goes
 * @param startTimeout  give up waiting for CQL after this long
 */
public record BundledCassandraSettings(
    Path dataDir, String host, int nativePort, int storagePort, String heap, Path libDir, Path pom,
    Path runDir, Path logFile, Duration startTimeout) {

  public static BundledCassandraSettings create(Config config) {
    Config c = config.getConfig("keyflow.cassandra.bundled");
    return new BundledCassandraSettings(
        Path.of(c.getString("data-dir")).toAbsolutePath().normalize(),
        c.getString("host"),
        c.getInt("native-port"),
        c.getInt("storage-port"),
        c.getString("heap"),
        Path.of(c.getString("lib-dir")).toAbsolutePath().normalize(),
        Path.of(c.getString("pom")).toAbsolutePath().normalize(),
        Path.of(c.getString("run-dir")).toAbsolutePath().normalize(),
        Path.of(c.getString("log-file")).toAbsolutePath().normalize(),
        c.getDuration("start-timeout"));
  }
}
