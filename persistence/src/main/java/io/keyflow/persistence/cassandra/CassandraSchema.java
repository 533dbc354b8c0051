package io.keyflow.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the DDL shipped in {@code docker/keyflow.cql} to a keyspace: only the statements whose
 * keyspace or table does not exist yet (each DDL statement costs about a second on Cassandra 5, so
 * a restart on existing data costs nothing). The file names the keyspace {@code keyflow}; another
 * keyspace name is substituted, and its replication is replaced by the configured one
 * ({@link KeyspaceReplication}, checked by {@link ReplicationRules}).
 */
public final class CassandraSchema {

  private static final Logger log = LoggerFactory.getLogger(CassandraSchema.class);
  private static final Pattern KEYSPACE = Pattern.compile("(?i)CREATE KEYSPACE IF NOT EXISTS\\s+(\\w+)");
  private static final Pattern REPLICATION = Pattern.compile("(?is)(WITH\\s+REPLICATION\\s*=\\s*)\\{[^}]*\\}");
  private static final Pattern TABLE = Pattern.compile("(?i)CREATE TABLE IF NOT EXISTS\\s+(\\w+)\\.(\\w+)");

  private CassandraSchema() {}

  /** The statements of a CQL file with the keyspace {@code keyflow} renamed to {@code keyspace}. */
  public static List<String> statements(String cql, String keyspace) {
    StringBuilder withoutComments = new StringBuilder();
    for (String line : cql.split("\n")) {
      String trimmed = line.strip();
      if (!trimmed.startsWith("--")) {
        withoutComments.append(line).append('\n');
      }
    }
    List<String> statements = new ArrayList<>();
    for (String statement : withoutComments.toString().split(";")) {
      String s = statement.strip();
      if (!s.isEmpty()) {
        statements.add(s.replaceAll("\\bkeyflow\\.", keyspace + ".")
            .replaceAll("(?i)(KEYSPACE IF NOT EXISTS\\s+)keyflow\\b", "$1" + keyspace));
      }
    }
    return statements;
  }

  /**
   * A driver session to {@code host:port} for administrative work at start (close it after): no
   * schema or token metadata (nothing here reads them), and a close that does not wait out the
   * driver's two-second quiet period for in-flight work (there is none once a call returned), which
   * took four of a node's ten seconds to start.
   */
  public static CqlSession connect(String host, int port, String datacenter) {
    return connectTo(List.of(new InetSocketAddress(host, port)), datacenter);
  }

  private static CqlSession connectTo(List<InetSocketAddress> contactPoints, String datacenter) {
    return CqlSession.builder()
        .addContactPoints(contactPoints)
        .withLocalDatacenter(datacenter)
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
            .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false)
            .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
            .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
            // The pipeline catalog is read and written here: at QUORUM as everything else
            // (node keyflow-defaults.conf), not at the driver's LOCAL_ONE.
            .withString(DefaultDriverOption.REQUEST_CONSISTENCY, "QUORUM")
            .withString(DefaultDriverOption.REQUEST_SERIAL_CONSISTENCY, "SERIAL")
            .build())
        .build();
  }

  /**
   * {@link #connect} to {@code contactPoints} ({@code host[:port]}, port 9042 by default): any one
   * that answers will do, so a node starts while one store node is down.
   */
  public static CqlSession connect(List<String> contactPoints, String datacenter) {
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (String contactPoint : contactPoints) {
      String[] parts = contactPoint.split(":");
      addresses.add(new InetSocketAddress(parts[0], parts.length > 1 ? Integer.parseInt(parts[1]) : 9042));
    }
    return connectTo(addresses, datacenter);
  }

  /** {@code statements} with the replication of every CREATE KEYSPACE replaced by {@code replication}. */
  public static List<String> withReplication(List<String> statements, KeyspaceReplication replication) {
    return statements.stream()
        .map(s -> KEYSPACE.matcher(s).find()
            ? REPLICATION.matcher(s).replaceFirst("$1" + Matcher.quoteReplacement(replication.cql()))
            : s)
        .toList();
  }

  /**
   * Waits until every Cassandra node has the schema just changed: the next statement, and the node's
   * sessions, go to any store node, and one without the new keyspace or table answers "does not exist"
   * (the driver does not wait by itself with schema metadata off).
   */
  private static void awaitSchemaAgreement(CqlSession session) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!session.checkSchemaAgreement()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Cassandra nodes did not agree on the schema within 60 s");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for schema agreement", e);
      }
    }
  }

  /**
   * Runs one DDL statement (each is {@code IF NOT EXISTS}). Schema agreement can be reported before
   * a store node learnt the keyspace or table just created (the control connection's view of its
   * peers lags the gossip), so a statement answered "does not exist" is sent again, for at most 60 s.
   */
  private static void executeDdl(CqlSession session, String statement) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(statement)
            .setTimeout(Duration.ofSeconds(60)));
        return;
      } catch (com.datastax.oss.driver.api.core.servererrors.InvalidQueryException e) {
        if (!String.valueOf(e.getMessage()).contains("doesn't exist") || System.nanoTime() > deadline) {
          throw e;
        }
        log.info("a store node does not know the schema yet ({}); sending the statement again", e.getMessage());
        awaitSchemaAgreement(session);
        try {
          Thread.sleep(200);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  /** Nodes of the cluster per data centre, as the node behind {@code session} sees them. */
  public static Map<String, Integer> nodesPerDatacenter(CqlSession session) {
    Map<String, Integer> nodes = new TreeMap<>();
    Row local = session.execute("SELECT data_center FROM system.local").one();
    if (local != null) {
      nodes.merge(local.getString(0), 1, Integer::sum);
    }
    session.execute("SELECT data_center FROM system.peers").forEach(row -> nodes.merge(row.getString(0), 1, Integer::sum));
    return nodes;
  }

  /**
   * Reads the replication of {@code keyspace}, logs it, and refuses one replica on a cluster of
   * several nodes (unless allowed). Nothing to check when the keyspace does not exist yet.
   */
  public static void checkReplication(CqlSession session, String keyspace, KeyspaceReplication settings) {
    Row row = session.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?", keyspace).one();
    if (row == null) {
      return;
    }
    Map<String, String> replication = row.getMap(0, String.class, String.class);
    int nodes = nodesPerDatacenter(session).values().stream().mapToInt(Integer::intValue).sum();
    String found = ReplicationRules.checkExisting(keyspace, replication, nodes, settings.allowUnderReplicated());
    if (ReplicationRules.replicas(replication) < ReplicationRules.safeFactor(nodes)) {
      log.warn("{}", found);
    } else {
      log.info("{}", found);
    }
  }

  /**
   * Refuses to start on key-group journals of the previous format (table {@code journal}, one
   * lightweight transaction per append, before the epoch-fenced journal of docs/durability.md):
   * this version does not read them, and starting next to them would silently begin every key
   * group from its snapshot alone. Names the pipelines to {@code bin/keyflow reset}.
   */
  public static void refuseOldJournal(CqlSession session, String keyspace) {
    boolean oldTable = session.execute(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = 'journal'", keyspace)
        .one() != null;
    if (!oldTable) {
      return;
    }
    Set<String> pipelines = new java.util.TreeSet<>();
    for (Row row : session.execute("SELECT DISTINCT persistence_id, partition_nr FROM " + keyspace + ".journal")) {
      String pid = row.getString(0);
      pipelines.add(pid.contains("|") ? pid.substring(0, pid.indexOf('|')) : pid);
    }
    if (!pipelines.isEmpty()) {
      throw new IllegalStateException("keyspace " + keyspace + " holds key-group journals in the previous"
          + " format (table journal, one lightweight transaction per append) that this version does not read,"
          + " for pipelines " + pipelines + ": stop all nodes and run bin/keyflow reset <pipeline> for each"
          + " (deletes its state and results), or start from empty data (bin/keyflow clean)");
    }
  }

  /**
   * Connects to the one-node store at {@code host:port} and applies what is missing, the keyspace
   * with one replica. Blocking; for tests on the one-node test Cassandra.
   */
  public static void apply(String host, int port, String datacenter, String keyspace, Path ddlFile) throws IOException {
    apply(List.of(host + ":" + port), datacenter, keyspace, ddlFile,
        new KeyspaceReplication(KeyspaceReplication.NETWORK_TOPOLOGY, datacenter, 1, false));
  }

  /**
   * Connects to {@code contactPoints} and applies what is missing, a missing keyspace with
   * {@code replication} after {@link ReplicationRules#checkCreate}. Blocking; call before the node starts.
   */
  public static void apply(List<String> contactPoints, String datacenter, String keyspace, Path ddlFile,
      KeyspaceReplication replication) throws IOException {
    List<String> statements = withReplication(statements(Files.readString(ddlFile), keyspace), replication);
    long started = System.nanoTime();
    int applied = 0;
    try (CqlSession session = connect(contactPoints, datacenter)) {
      Set<String> tables = new HashSet<>();
      boolean keyspaceExists = session.execute(
          "SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", keyspace).one() != null;
      session.execute("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", keyspace)
          .forEach(row -> tables.add(row.getString("table_name")));
      if (tables.contains("messages") && !tables.contains("journal")) {
        // Keyflow 0.1 journaled through pekko-persistence-cassandra's unfenced messages table; its
        // snapshots would point past the empty fenced journal and no key group could append.
        throw new IllegalStateException("keyspace " + keyspace + " holds a journal of an earlier Keyflow"
            + " (table messages, without writer fencing) that this version cannot continue: start from empty"
            + " data (bin/keyflow clean) or set keyflow.cassandra.keyspace to a new keyspace");
      }
      for (String statement : statements) {
        Matcher ks = KEYSPACE.matcher(statement);
        Matcher table = TABLE.matcher(statement);
        boolean missing = ks.find() ? !keyspaceExists
            : !table.find() || !tables.contains(table.group(2).toLowerCase());
        if (missing && ks.reset().find()) {
          Map<String, Integer> nodes = nodesPerDatacenter(session);
          int inScope = replication.strategy().equals(KeyspaceReplication.SIMPLE)
              ? nodes.values().stream().mapToInt(Integer::intValue).sum()
              : nodes.getOrDefault(replication.datacenter(), 0);
          ReplicationRules.checkCreate(keyspace, replication, inScope);
          log.info("creating keyspace {} with {} (Cassandra nodes per data centre: {})", keyspace, replication, nodes);
        }
        if (missing) {
          executeDdl(session, statement);
          // The next statement may go to another store node: it must know this one's keyspace or table.
          awaitSchemaAgreement(session);
          applied++;
        }
      }
    }
    if (applied > 0) {
      log.info("applied {} DDL statements to keyspace {} in {} ms", applied, keyspace,
          (System.nanoTime() - started) / 1_000_000);
    }
  }
}
