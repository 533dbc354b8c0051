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
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the DDL shipped in {@code docker/keyflow.cql} to a keyspace: only the statements whose
 * keyspace or table does not exist yet (each DDL statement costs about a second on Cassandra 5, so
 * a restart on existing data costs nothing). The file names the keyspace {@code keyflow}; another
 * keyspace name is substituted.
 */
public final class CassandraSchema {

  private static final Logger log = LoggerFactory.getLogger(CassandraSchema.class);
  private static final Pattern KEYSPACE = Pattern.compile("(?i)CREATE KEYSPACE IF NOT EXISTS\\s+(\\w+)");
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
    return CqlSession.builder()
        .addContactPoint(new InetSocketAddress(host, port))
        .withLocalDatacenter(datacenter)
        .withConfigLoader(DriverConfigLoader.programmaticBuilder()
            .withBoolean(DefaultDriverOption.METADATA_SCHEMA_ENABLED, false)
            .withBoolean(DefaultDriverOption.METADATA_TOKEN_MAP_ENABLED, false)
            .withInt(DefaultDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0)
            .withInt(DefaultDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0)
            .build())
        .build();
  }

  /** {@link #connect} to the first of {@code contactPoints} ({@code host[:port]}, port 9042 by default). */
  public static CqlSession connect(List<String> contactPoints, String datacenter) {
    String[] first = contactPoints.get(0).split(":");
    return connect(first[0], first.length > 1 ? Integer.parseInt(first[1]) : 9042, datacenter);
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

  /** Connects to {@code host:port} and applies what is missing. Blocking; call before the node starts. */
  public static void apply(String host, int port, String datacenter, String keyspace, Path ddlFile) throws IOException {
    List<String> statements = statements(Files.readString(ddlFile), keyspace);
    long started = System.nanoTime();
    int applied = 0;
    try (CqlSession session = connect(host, port, datacenter)) {
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
        if (missing) {
          session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance(statement)
              .setTimeout(Duration.ofSeconds(60)));
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
