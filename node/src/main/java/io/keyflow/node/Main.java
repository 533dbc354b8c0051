package io.keyflow.node;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.keyflow.node.http.ApiRoutes;
import io.keyflow.node.http.AuthDirectives;
import io.keyflow.node.http.HttpApi;
import io.keyflow.node.http.NodeSettings;
import io.keyflow.node.http.ResultsRoutes;
import io.keyflow.node.metrics.ClusterFigures;
import io.keyflow.node.metrics.NodeMetrics;
import io.keyflow.node.results.ResultsStream;
import io.keyflow.node.security.HttpsContext;
import io.keyflow.node.security.SecuritySettings;
import io.keyflow.node.webhook.WebhookDeliverer;
import io.keyflow.node.webhook.WebhookSettings;
import io.keyflow.persistence.results.CassandraResultsStore;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.catalog.PipelineCatalog;
import io.keyflow.persistence.results.ResultsGeneration;
import io.keyflow.persistence.results.ResultsLog;
import io.keyflow.persistence.results.ResultsPager;
import io.keyflow.persistence.results.WebhookOffsets;
import io.keyflow.persistence.cassandra.BundledCassandra;
import io.keyflow.persistence.cassandra.BundledCassandraSettings;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.KeyspaceReplication;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.ClusterView;
import io.keyflow.sharding.CrashDetection;
import io.keyflow.sharding.KeyGroupKeeper;
import io.keyflow.sharding.KeyGroupSharding;
import io.keyflow.sharding.ShardingSettings;
import io.keyflow.sharding.ingest.Ingestion;
import java.io.File;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.BootstrapSetup;
import org.apache.pekko.actor.setup.ActorSystemSetup;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a Keyflow node: bundled Cassandra if no contact points are configured, the schema, the
 * Pekko cluster member with one shard region per pipeline, pekko-management and the HTTP API.
 *
 * <p>{@code Main check-pipelines FILE} only validates a pipelines file and exits (bin/keyflow uses
 * it to refuse a bad file before anything starts). {@code Main reset PIPELINE [--yes]} deletes one
 * pipeline's state and results after asking for confirmation (bin/keyflow reset, nodes stopped).
 */
public final class Main {

  static {
    // Pekko's Java API hands out CompletionStages whose dependent stages always run asynchronously on
    // CompletableFuture's default executor. That is the common ForkJoinPool only if its parallelism is
    // at least 2; below (the JDK's default on a 2-core machine is 1) every stage starts a new thread.
    // Must be set before anything touches ForkJoinPool, hence here, ahead of logging.
    String parallelism = "java.util.concurrent.ForkJoinPool.common.parallelism";
    if (System.getProperty(parallelism) == null) {
      System.setProperty(parallelism, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
    if (args.length == 2 && args[0].equals("check-pipelines")) {
      System.exit(checkPipelines(new File(args[1])));
    }
    if (args.length >= 1 && args[0].equals("status")) {
      System.exit(StatusReport.run(List.of(args).subList(1, args.length)));
    }
    if (args.length >= 2 && args[0].equals("reset")) {
      System.exit(reset(args[1], List.of(args).contains("--yes")));
    }
    long started = System.nanoTime();
    if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() < 2) {
      log.warn("common ForkJoinPool parallelism is {}: every async stage of Pekko's Java API starts a thread",
          java.util.concurrent.ForkJoinPool.getCommonPoolParallelism());
    }
    try {
      start(NodeConfig.load(), started);
    } catch (Throwable e) {
      log.error("node failed to start", e);
      System.err.println("keyflow node failed to start: " + e);
      System.exit(1);
    }
  }

  /** The pipelines of the config plus those of {@code keyflow.extra-pipelines-file} (same name replaces). */
  static Map<String, PipelineDefinition> pipelines(Config config) {
    Map<String, PipelineDefinition> pipelines = new TreeMap<>(PipelineConfig.parseAll(config, "keyflow.pipelines"));
    String extra = config.getString("keyflow.extra-pipelines-file");
    if (!extra.isEmpty()) {
      Config file = ConfigFactory.parseFile(new File(extra)).resolve();
      pipelines.putAll(PipelineConfig.parseAll(file, "keyflow.pipelines"));
    }
    if (pipelines.isEmpty()) {
      throw new IllegalArgumentException("no pipelines configured under keyflow.pipelines");
    }
    return pipelines;
  }

  private static int checkPipelines(File file) {
    try {
      if (!file.isFile()) {
        System.err.println(file + ": no such file");
        return 1;
      }
      Config config = ConfigFactory.parseFile(file).resolve();
      if (!config.hasPath("keyflow.pipelines")) {
        System.err.println(file + ": keyflow.pipelines: missing");
        return 1;
      }
      Map<String, PipelineDefinition> found = PipelineConfig.parseAll(config, "keyflow.pipelines");
      System.out.println(file + ": ok, pipelines " + String.join(", ", found.keySet()));
      return 0;
    } catch (RuntimeException e) {
      System.err.println(file + ": " + e.getMessage());
      return 1;
    }
  }

  /** Deletes the stored state and results of {@code pipeline}; asks first unless {@code yes}. */
  private static int reset(String pipeline, boolean yes) {
    try {
      Config config = withCassandra(NodeConfig.load());
      String keyspace = config.getString("keyflow.cassandra.keyspace");
      try (CqlSession session = CassandraSchema.connect(
          config.getStringList("datastax-java-driver.basic.contact-points"), config.getString("keyflow.cassandra.local-datacenter"))) {
        PipelineCatalog catalog = new PipelineCatalog(session, keyspace);
        var stored = catalog.stored(pipeline);
        System.out.println("This deletes the journal, snapshots, results, late records and idempotency keys of pipeline '"
            + pipeline + "' in keyspace " + keyspace
            + (stored == null ? " (no stored definition found)." : " (" + stored.maxKeyGroups() + " key groups, window "
                + stored.window() + ")."));
        if (!yes) {
          System.out.print("Type the pipeline's name to confirm: ");
          System.out.flush();
          String answer = new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
          if (answer == null || !answer.strip().equals(pipeline)) {
            System.out.println("not confirmed; nothing deleted");
            return 1;
          }
        }
        var deleted = catalog.reset(pipeline);
        System.out.println("deleted " + deleted.partitions() + " (partitions per table); results generation "
            + deleted.next().generation() + " starts, output sequence numbers from " + deleted.next().seqBase());
        return 0;
      }
    } catch (Exception e) {
      System.err.println("reset failed: " + e);
      return 1;
    }
  }

  static ActorSystem<Void> start(Config loaded, long startedNanos) throws Exception {
    Map<String, PipelineDefinition> pipelines = pipelines(loaded);
    // HTTP settings before anything starts: a bad limit, a missing token or key store stops the node here.
    NodeSettings nodeSettings = NodeSettings.create(loaded);
    SecuritySettings security = SecuritySettings.create(loaded);
    var https = HttpsContext.create(loaded);
    Map<String, WebhookSettings> webhooks = WebhookSettings.parseAll(loaded, pipelines);
    Config config = withCassandra(loaded);
    Map<String, ResultsGeneration> generations = checkStoredState(config, pipelines);

    NodeMetrics metrics = new NodeMetrics();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "keyflow",
        ActorSystemSetup.create(BootstrapSetup.create(config)).and(metrics.actorSystemSetup()));
    system.getWhenTerminated().thenRun(metrics::close);
    try {
      CassandraResultsStore results = new CassandraResultsStore(system, config.getString("keyflow.cassandra.keyspace"),
          generations);
      PersistenceSettings persistenceSettings = PersistenceSettings.create(config);
      KeyGroupSharding sharding = KeyGroupSharding.init(system, pipelines, results, persistenceSettings);
      ShardingSettings shardingSettings = ShardingSettings.create(config);
      KeyGroupKeeper keeper = KeyGroupKeeper.start(system, sharding, shardingSettings);
      CrashDetection.start(system);
      Ingestion ingestion = Ingestion.start(system, sharding, keeper, metrics.registry(),
          nodeSettings.maxInFlightBytes(), nodeSettings.maxInFlightEvents(), persistenceSettings.idempotencyWindow());
      KeyGroupsReadyCheck.register(Adapter.toClassic(system), keeper);
      ClusterFigures.start(system, metrics.registry(), metrics.figures(), java.time.Duration.ofSeconds(1));
      system.getWhenTerminated().thenRun(keeper::stop);

      String keyspace = config.getString("keyflow.cassandra.keyspace");
      ResultsLog resultsLog = new ResultsLog(system, keyspace);
      ResultsStream stream = new ResultsStream(resultsLog, ResultsStream.ResultsStreamSettings.create(config));
      WebhookDeliverer.startAll(system, pipelines, webhooks, resultsLog, new WebhookOffsets(system, keyspace));
      HttpApi api = new HttpApi(system, nodeSettings, sharding, ingestion, results,
          new ClusterView(system, sharding), metrics, new ResultsRoutes(stream, new ResultsPager(results)));
      var server = Http.get(system).newServerAt(nodeSettings.host(), nodeSettings.httpPort());
      server = https.map(server::enableHttps).orElse(server);
      server.bind(api.counted(new ApiRoutes(api, new AuthDirectives(security)).routes())).toCompletableFuture().get();
      if (security.authEnabled()) {
        log.info("HTTP API authentication on ({}): {} token(s)", security.why(), security.tokens().size());
      } else if (SecuritySettings.isLoopback(nodeSettings.host())) {
        log.info("HTTP API authentication off ({})", security.why());
      } else {
        log.warn("HTTP API authentication off ({}): anyone who reaches {} can ingest and read", security.why(),
            nodeSettings.host());
      }
      PekkoManagement.get(system).start().toCompletableFuture().get();
      log.info("node up: {}://{}:{} pipelines {} in {} ms (ready once every key group runs)",
          https.isPresent() ? "https" : "http", nodeSettings.host(), nodeSettings.httpPort(), pipelines.keySet(), (System.nanoTime() - startedNanos) / 1_000_000);
      return system;
    } catch (Exception e) {
      system.terminate();
      throw e;
    }
  }

  /**
   * Refuses to start pipelines whose stored state was written under an incompatible definition
   * (different key groups, window, stage function; aggregations removed or retyped); records the
   * definition of new and compatibly changed ones. Returns each pipeline's results generation.
   */
  static Map<String, ResultsGeneration> checkStoredState(Config config, Map<String, PipelineDefinition> pipelines) {
    try (CqlSession session = CassandraSchema.connect(
        config.getStringList("datastax-java-driver.basic.contact-points"), config.getString("keyflow.cassandra.local-datacenter"))) {
      CassandraSchema.checkReplication(session, config.getString("keyflow.cassandra.keyspace"),
          KeyspaceReplication.create(config));
      CassandraSchema.refuseOldJournal(session, config.getString("keyflow.cassandra.keyspace"));
      PipelineCatalog catalog = new PipelineCatalog(session, config.getString("keyflow.cassandra.keyspace"));
      catalog.check(pipelines);
      Map<String, ResultsGeneration> generations = catalog.generations(pipelines.keySet());
      generations.forEach((name, g) -> {
        if (g.generation() > 0) {
          log.info("pipeline {}: results generation {} (reset), sequence numbers from {}", name, g.generation(), g.seqBase());
        }
      });
      return generations;
    }
  }

  /**
   * Starts the bundled Cassandra (every node of it) if no contact points are set, applies the
   * schema (the bundled store replicates to each of its nodes, docs/replication.md), points the
   * driver at every store node.
   */
  static Config withCassandra(Config config) throws Exception {
    List<String> contactPoints = config.getStringList("keyflow.cassandra.contact-points");
    String keyspace = config.getString("keyflow.cassandra.keyspace");
    String datacenter = config.getString("keyflow.cassandra.local-datacenter");
    Path ddl = Path.of(config.getString("keyflow.cassandra.ddl-file"));
    boolean applyDdl = config.getBoolean("keyflow.cassandra.apply-ddl");
    KeyspaceReplication replication = KeyspaceReplication.create(config);
    if (contactPoints.isEmpty()) {
      BundledCassandraSettings bundled = BundledCassandraSettings.create(config);
      new BundledCassandra(bundled).ensureRunning();
      contactPoints = bundled.contactPoints();
      if (applyDdl) {
        // Nodes of one local cluster start together: one applies the schema, the others find it.
        Path lock = bundled.dataDir().resolveSibling(bundled.dataDir().getFileName() + ".ddl.lock");
        Files.createDirectories(lock.getParent());
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             var held = channel.lock()) {
          CassandraSchema.apply(contactPoints, datacenter, keyspace, ddl, replication.withFactor(bundled.nodes()));
        }
      }
    } else if (applyDdl) {
      CassandraSchema.apply(contactPoints, datacenter, keyspace, ddl, replication);
    }
    return ConfigFactory.empty()
        .withValue("datastax-java-driver.basic.contact-points", ConfigValueFactory.fromIterable(contactPoints))
        .withFallback(config);
  }
}
