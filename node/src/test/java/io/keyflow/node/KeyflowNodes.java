package io.keyflow.node;

import io.keyflow.persistence.cassandra.TestCassandra;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Real Keyflow node JVMs for one IT class, so that each IT states only what its nodes run (pipelines,
 * overrides, store) instead of repeating how to start, wait for and stop them. Register it on a static
 * field with {@code @RegisterExtension}: before the class's own {@code @BeforeAll} it starts the store,
 * writes the pipelines file and starts nodes 1..n one after the other, each ready before the next (on
 * two cores, JVMs warming up next to Cassandra starve each other); after the class it closes every node
 * it started, also those a test started again and those of a start-up that failed halfway, then stops
 * the store if the store says so. Nodes are numbered like {@link NodeProcess}: node n listens on
 * 127.0.0.(n+1).
 */
final class KeyflowNodes implements BeforeAllCallback, AfterAllCallback {

  /** Where the nodes keep their data; by default the bundled single-node Cassandra of the Maven run. */
  interface Store {
    void ensureRunning();

    /** The system properties that point a node at this store and {@code keyspace}. */
    Map<String, String> nodeProperties(String keyspace);

    /** Called after the nodes are closed. */
    default void stop() {}
  }

  static final Store BUNDLED_CASSANDRA = new Store() {
    @Override
    public void ensureRunning() {
      TestCassandra.ensureRunning();
    }

    @Override
    public Map<String, String> nodeProperties(String keyspace) {
      return TestCassandra.nodeProperties(keyspace);
    }
  };

  private final Builder settings;
  private final String keyspace;
  private final Map<Integer, NodeProcess> current = new TreeMap<>();
  private final List<NodeProcess> started = new ArrayList<>();
  private Path pipelines;

  private KeyflowNodes(Builder settings) {
    this.settings = settings;
    this.keyspace = TestCassandra.uniqueKeyspace(settings.keyspacePrefix);
  }

  /** Nodes on a keyspace of their own whose name starts with {@code keyspacePrefix}. */
  static Builder builder(String keyspacePrefix) {
    return new Builder(keyspacePrefix);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    try {
      settings.store.ensureRunning();
      if (settings.pipelinesHocon != null) {
        pipelines = NodeProcess.writePipelines(settings.pipelinesFileName, settings.pipelinesHocon);
      } else {
        pipelines = settings.pipelinesFile;
      }
      for (int n = 1; n <= settings.count; n++) {
        start(n).awaitReady(settings.readyTimeout);
      }
    } catch (Exception | Error e) {
      try {
        closeAll();
      } catch (InterruptedException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      closeAll();
    } finally {
      settings.store.stop();
    }
  }

  /**
   * Starts node {@code n} as the builder says, with {@code moreOverrides} on top of its overrides, and
   * returns it without waiting for it to be ready; from now on {@link #node(int)} is this one. For a test
   * that restarts a node it killed or closed, or whose overrides are only known once its class is set up.
   */
  NodeProcess start(int n, Map<String, String> moreOverrides) throws IOException {
    Map<String, String> overrides = new TreeMap<>(settings.overrides);
    overrides.putAll(moreOverrides);
    NodeProcess node = NodeProcess.start(n, settings.store.nodeProperties(keyspace), pipelines, overrides,
        TestCassandra.home().resolve("cluster-config/node-" + n + ".conf"));
    started.add(node);
    current.put(n, node);
    return node;
  }

  NodeProcess start(int n) throws IOException {
    return start(n, Map.of());
  }

  /** The node numbered {@code n} (1-based) that was started last. */
  NodeProcess node(int n) {
    NodeProcess node = current.get(n);
    if (node == null) {
      throw new IllegalStateException("node-" + n + " was not started");
    }
    return node;
  }

  /** {@code node(n).baseUrl()}: the node's HTTP API. */
  String url(int n) {
    return node(n).baseUrl();
  }

  /** The nodes by number, as last started. */
  List<NodeProcess> all() {
    return List.copyOf(current.values());
  }

  String keyspace() {
    return keyspace;
  }

  /** The pipelines file the nodes were given (null: only the shipped pipelines). */
  Path pipelines() {
    return pipelines;
  }

  /**
   * Closes every node started so far (again after the class is harmless), for a class whose own
   * {@code @AfterAll} must run after its nodes are gone.
   */
  void closeAll() throws InterruptedException {
    for (NodeProcess node : started) {
      node.close();
    }
    started.clear();
  }

  /** What to start: by default one node with only the shipped pipelines on the bundled Cassandra. */
  static final class Builder {
    private final String keyspacePrefix;
    private int count = 1;
    private String pipelinesFileName;
    private String pipelinesHocon;
    private Path pipelinesFile;
    private Map<String, String> overrides = Map.of();
    private Store store = BUNDLED_CASSANDRA;
    private Duration readyTimeout = Duration.ofSeconds(180);

    private Builder(String keyspacePrefix) {
      this.keyspacePrefix = keyspacePrefix;
    }

    /** How many nodes the class starts before its tests (0: the tests start them with {@link #start}). */
    Builder nodes(int count) {
      this.count = count;
      return this;
    }

    /** Extra pipelines as HOCON, written to target/{@code fileName}. */
    Builder pipelines(String fileName, String hocon) {
      this.pipelinesFileName = fileName;
      this.pipelinesHocon = hocon;
      this.pipelinesFile = null;
      return this;
    }

    /** Extra pipelines from an existing file. */
    Builder pipelines(Path file) {
      this.pipelinesFile = file;
      this.pipelinesHocon = null;
      return this;
    }

    /** System properties every node gets on top of the test ports and the store's properties. */
    Builder overrides(Map<String, String> overrides) {
      this.overrides = Map.copyOf(overrides);
      return this;
    }

    Builder store(Store store) {
      this.store = store;
      return this;
    }

    /** How long each node may take to answer /ready. */
    Builder readyTimeout(Duration readyTimeout) {
      this.readyTimeout = readyTimeout;
      return this;
    }

    KeyflowNodes build() {
      return new KeyflowNodes(this);
    }
  }
}
