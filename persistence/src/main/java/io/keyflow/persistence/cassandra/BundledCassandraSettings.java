package io.keyflow.persistence.cassandra;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Settings of the bundled Cassandra, read once from {@code keyflow.cassandra.bundled}.
 *
 * @param dataDir         data, commit log and generated config live here (one node); a store of
 *                        several nodes uses {@code <dataDir>-<i>} for node i
 * @param host            listen and CQL address of a one-node store; loopback only
 * @param nativePort      CQL port (the same on every node of a replicated store)
 * @param storagePort     inter-node port (a single node still binds it)
 * @param heap            -Xms and -Xmx of each Cassandra JVM, e.g. "1g"
 * @param libDir          Cassandra's jars, copied here from Maven on first use
 * @param pom             the small pom that names cassandra-all (never on the node's classpath)
 * @param runDir          where {@code cassandra.pid} (or {@code cassandra-<i>.pid}) is written
 * @param logFile         where a one-node store's output goes; node i of several: {@code <name>-<i>.log}
 * @param startTimeout    give up waiting for CQL of one node after this long
 * @param nodes           1 (the default) or the number of store nodes of a replicated store
 * @param replicatedHosts the addresses of a replicated store's nodes, node i on the i-th
 * @param hintedHandoff   whether a node keeps hints for a replica that is down and replays them when
 *                        it is back (Cassandra's default); off only to test a lagging replica
 */
public record BundledCassandraSettings(
    Path dataDir, String host, int nativePort, int storagePort, String heap, Path libDir, Path pom,
    Path runDir, Path logFile, Duration startTimeout, int nodes, List<String> replicatedHosts, boolean hintedHandoff) {

  public BundledCassandraSettings {
    replicatedHosts = List.copyOf(replicatedHosts);
    if (nodes < 1 || (nodes > 1 && nodes > replicatedHosts.size())) {
      throw new IllegalArgumentException("keyflow.cassandra.bundled.nodes = " + nodes + ": needs 1, or at most as many as"
          + " keyflow.cassandra.bundled.replicated-hosts (" + replicatedHosts.size() + ")");
    }
  }

  /** A store with hinted handoff on. */
  public BundledCassandraSettings(
      Path dataDir, String host, int nativePort, int storagePort, String heap, Path libDir, Path pom,
      Path runDir, Path logFile, Duration startTimeout, int nodes, List<String> replicatedHosts) {
    this(dataDir, host, nativePort, storagePort, heap, libDir, pom, runDir, logFile, startTimeout, nodes,
        replicatedHosts, true);
  }

  /** A one-node store. */
  public BundledCassandraSettings(
      Path dataDir, String host, int nativePort, int storagePort, String heap, Path libDir, Path pom,
      Path runDir, Path logFile, Duration startTimeout) {
    this(dataDir, host, nativePort, storagePort, heap, libDir, pom, runDir, logFile, startTimeout, 1, List.of());
  }

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
        c.getDuration("start-timeout"),
        c.getInt("nodes"),
        c.getStringList("replicated-hosts"),
        c.getBoolean("hinted-handoff"));
  }

  /**
   * One node of the bundled store.
   *
   * @param index   0 for the one node of a one-node store, else 1..nodes
   * @param host    its listen and CQL address
   * @param dataDir its data, commit log and generated config
   * @param logFile its output
   * @param pidFile the file in {@code runDir} that holds its PID
   * @param seed    the address:port every node of the store gossips with first (node 1)
   */
  public record Member(int index, String host, Path dataDir, Path logFile, Path pidFile, String seed) {

    /** "cassandra" or "cassandra-<i>", for log lines. */
    public String name() {
      return index == 0 ? "cassandra" : "cassandra-" + index;
    }
  }

  /** The store's nodes, in the order they are started (node 1, the seed, first). */
  public List<Member> members() {
    if (nodes == 1) {
      return List.of(new Member(0, host, dataDir, logFile, runDir.resolve("cassandra.pid"), host + ":" + storagePort));
    }
    String logName = logFile.getFileName().toString().replaceFirst("\\.log$", "");
    String seed = replicatedHosts.get(0) + ":" + storagePort;
    List<Member> members = new ArrayList<>();
    for (int i = 1; i <= nodes; i++) {
      members.add(new Member(i, replicatedHosts.get(i - 1),
          dataDir.resolveSibling(dataDir.getFileName() + "-" + i),
          logFile.resolveSibling(logName + "-" + i + ".log"),
          runDir.resolve("cassandra-" + i + ".pid"), seed));
    }
    return members;
  }

  /** The CQL addresses of every node, "host:port", as driver contact points. */
  public List<String> contactPoints() {
    return members().stream().map(m -> m.host() + ":" + nativePort).toList();
  }
}
