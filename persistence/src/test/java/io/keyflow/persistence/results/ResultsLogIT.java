package io.keyflow.persistence.results;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.cassandra.BundledCassandraSettings;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.TestCassandra;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The results store's log of firings and its results by window, written and read back through the
 * real bundled Cassandra.
 */
class ResultsLogIT {

  private static ActorSystem system;
  private static CqlSession session;
  private static String keyspace;
  private static CassandraResultsStore store;

  @BeforeAll
  static void start() throws Exception {
    BundledCassandraSettings cassandra = TestCassandra.ensureRunning();
    keyspace = TestCassandra.uniqueKeyspace("resultslog");
    CassandraSchema.apply(cassandra.host(), cassandra.nativePort(), "datacenter1", keyspace,
        TestCassandra.home().resolve("docker/keyflow.cql"));
    session = CassandraSchema.connect(cassandra.host(), cassandra.nativePort(), "datacenter1");
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = local
        datastax-java-driver.basic.load-balancing-policy.local-datacenter = datacenter1
        """)
        .withFallback(ConfigFactory.parseMap(Map.of(
            "datastax-java-driver.basic.contact-points.0", cassandra.host() + ":" + cassandra.nativePort())))
        .withFallback(ConfigFactory.load())
        .resolve();
    system = ActorSystem.create("results-log-it", config);
    store = new CassandraResultsStore(system, keyspace, Map.of());
  }

  @AfterAll
  static void stop() {
    if (system != null) {
      TestKit.shutdownActorSystem(system);
    }
    if (session != null) {
      session.close();
    }
  }

  private static Output result(long seq) {
    return new Output(seq, new WindowResult("user-" + seq, 1_000, 2_000, Map.of("n", seq)));
  }

  private static void write(String pipeline, long from, long to) throws Exception {
    TreeMap<Long, Output> outputs = new TreeMap<>();
    for (long seq = from; seq <= to; seq++) {
      outputs.put(seq, result(seq));
    }
    store.write(pipeline, "main", 3, outputs).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static List<Long> seqsAfter(ResultsLog log, String pipeline, String stage, long after, int limit)
      throws Exception {
    return log.after(pipeline, stage, 3, after, limit).toCompletableFuture().get(30, TimeUnit.SECONDS).stream()
        .map(ResultsLog.Entry::seq).toList();
  }

  @Test
  void reWrittenDeliveriesSplitDifferentlyAreReadOnceInOrder() throws Exception {
    write("rewritten", 1, 3);
    write("rewritten", 4, 8);
    // A crash before 4-8 was counted delivered: re-delivered from 2, in other pieces.
    write("rewritten", 2, 6);
    write("rewritten", 7, 10);
    ResultsLog log = new ResultsLog(system, keyspace);

    assertThat(seqsAfter(log, "rewritten", "main", 0, 100)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(seqsAfter(log, "rewritten", "main", 0, 4)).containsExactly(1L, 2L, 3L, 4L);
    assertThat(seqsAfter(log, "rewritten", "main", 5, 2)).containsExactly(6L, 7L);
    assertThat(seqsAfter(log, "rewritten", "main", 10, 5)).isEmpty();
    ResultsLog.Entry first = log.after("rewritten", "main", 3, 0, 1).toCompletableFuture().get(30, TimeUnit.SECONDS).get(0);
    assertThat(first).isEqualTo(new ResultsLog.Entry(3, 1, new WindowResult("user-1", 1_000, 2_000, Map.of("n", 1L))));
    assertThat(session.execute("SELECT last_seq FROM " + keyspace + ".results_batches WHERE pipeline = 'rewritten'"
        + " AND stage = 'main' AND key_group = 3").all()).as("one row per distinct delivery end").hasSize(4);
  }

  @Test
  void deliveriesOfManyKeyGroupsSentAtOnceShareBatchesAndAllLand() throws Exception {
    // More deliveries than the flush has batches in flight: most wait and leave together, in
    // multi-partition batches; every key group's results and log must be readable.
    int keyGroups = 40;
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int kg = 0; kg < keyGroups; kg++) {
      TreeMap<Long, Output> outputs = new TreeMap<>();
      for (long seq = 1; seq <= 3; seq++) {
        outputs.put(seq, new Output(seq, new WindowResult("k" + kg + "-" + seq, 1_000, 2_000, Map.of("n", seq))));
      }
      writes.add(store.write("many", "main", kg, outputs).toCompletableFuture());
    }
    for (var write : writes) {
      write.get(30, TimeUnit.SECONDS);
    }
    List<WindowResult> all = store.resultsOfGroups("many", "main", keyGroups, Long.MIN_VALUE, Long.MAX_VALUE)
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(all).hasSize(keyGroups * 3);
    ResultsLog log = new ResultsLog(system, keyspace);
    for (int kg = 0; kg < keyGroups; kg++) {
      assertThat(log.after("many", "main", kg, 0, 10).toCompletableFuture().get(30, TimeUnit.SECONDS))
          .as("log of key group " + kg).extracting(ResultsLog.Entry::seq).containsExactly(1L, 2L, 3L);
    }
  }

  private static Output fired(long seq, String key, long windowStart, long n) {
    return new Output(seq, new WindowResult(key, windowStart, windowStart + 1_000, Map.of("n", n)));
  }

  private static void deliver(String pipeline, Output... outputs) throws Exception {
    TreeMap<Long, Output> delivery = new TreeMap<>();
    for (Output o : outputs) {
      delivery.put(o.seq(), o);
    }
    store.write(pipeline, "main", 3, delivery).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static WindowResult windowResult(String key, long windowStart, long n) {
    return new WindowResult(key, windowStart, windowStart + 1_000, Map.of("n", n));
  }

  @Test
  void resultsAreReadByWindowTheLatestFiringWinningAcrossDeliveriesAndRowsOfTheOldTable() throws Exception {
    deliver("windows", fired(1, "user-a", 0, 1), fired(2, "user-b", 0, 2), fired(3, "user-a", 1_000, 3));
    // Re-delivered from 2 after a crash, with a late re-firing of user-a's first window.
    deliver("windows", fired(2, "user-b", 0, 2), fired(3, "user-a", 1_000, 3), fired(4, "user-a", 0, 4));
    // Rows an earlier version wrote to results, with their stored sequence number as write time:
    // user-b's is newer than its firing above (it wins), user-a's older (it loses), user-c's alone.
    for (Object[] old : new Object[][] {{"user-b", 0L, 9L}, {"user-a", 0L, 1L}, {"user-c", 0L, 2L}}) {
      session.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance("INSERT INTO " + keyspace
          + ".results (pipeline, stage, key_group, key, window_start, window_end, result) VALUES ('windows', 'main',"
          + " 3, ?, ?, ?, ?) USING TIMESTAMP " + old[2], old[0], old[1], (long) old[1] + 1_000,
          "{\"n\":" + (100 + (long) old[2]) + "}"));
    }

    assertThat(store.resultsOfKey("windows", "main", 3, "user-a", Long.MIN_VALUE, Long.MAX_VALUE)
        .toCompletableFuture().get(30, TimeUnit.SECONDS))
        .containsExactly(windowResult("user-a", 0, 4), windowResult("user-a", 1_000, 3));
    assertThat(store.resultsOfKey("windows", "main", 3, "user-a", 1_000, 2_000).toCompletableFuture()
        .get(30, TimeUnit.SECONDS)).containsExactly(windowResult("user-a", 1_000, 3));
    assertThat(store.resultsOfGroups("windows", "main", 4, Long.MIN_VALUE, Long.MAX_VALUE).toCompletableFuture()
        .get(30, TimeUnit.SECONDS)).containsExactly(windowResult("user-a", 0, 4), windowResult("user-a", 1_000, 3),
        windowResult("user-b", 0, 109), windowResult("user-c", 0, 102));
    assertThat(store.resultsOfGroups("windows", "main", 4, 0, 1_000).toCompletableFuture().get(30, TimeUnit.SECONDS))
        .extracting(WindowResult::key).containsExactly("user-a", "user-b", "user-c");
    // A row per delivery and window start: (0: 1-2), (1000: 3), (0: 2-4), (1000: 3) rewritten alike.
    assertThat(session.execute("SELECT window_start, first_seq, last_seq FROM " + keyspace + ".results_windows"
        + " WHERE pipeline = 'windows' AND stage = 'main' AND key_group = 3").all())
        .extracting(row -> row.getLong(0) + ":" + row.getLong(1) + "-" + row.getLong(2))
        .containsExactly("0:1-2", "0:2-4", "1000:3-3");
  }

  @Test
  void aDeliveryLogsEachTagInItsOwnRowAndNoLateRecords() throws Exception {
    TreeMap<Long, Output> outputs = new TreeMap<>();
    outputs.put(1L, result(1));
    outputs.put(2L, new Output(2, new WindowResult("user-2", 1_000, 2_000, Map.of("alert", "high")), null, "alerts"));
    outputs.put(3L, new Output(3, null, new Record("user-3", 500, Map.of("v", 1))));
    outputs.put(4L, result(4));
    store.write("tagged", "main", 3, outputs).toCompletableFuture().get(30, TimeUnit.SECONDS);
    ResultsLog log = new ResultsLog(system, keyspace);

    assertThat(seqsAfter(log, "tagged", "main", 0, 10)).containsExactly(1L, 4L);
    assertThat(seqsAfter(log, "tagged", "alerts", 0, 10)).containsExactly(2L);
    assertThat(store.lateRecords("tagged", "main", 4).toCompletableFuture().get(30, TimeUnit.SECONDS))
        .extracting(CassandraResultsStore.LateRecord::seq).containsExactly(3L);
  }

  @Test
  void theOldPerFiringLogIsReadFirstWhereTheKeyspaceStillHasIt() throws Exception {
    String old = TestCassandra.uniqueKeyspace("oldlog");
    BundledCassandraSettings cassandra = TestCassandra.ensureRunning();
    CassandraSchema.apply(cassandra.host(), cassandra.nativePort(), "datacenter1", old,
        TestCassandra.home().resolve("docker/keyflow.cql"));
    session.execute("CREATE TABLE " + old + ".results_log (pipeline text, stage text, key_group int, output_seq bigint,"
        + " key text, window_start bigint, window_end bigint, result text,"
        + " PRIMARY KEY ((pipeline, stage, key_group), output_seq))");
    for (long seq = 1; seq <= 5; seq++) {
      session.execute("INSERT INTO " + old + ".results_log (pipeline, stage, key_group, output_seq, key, window_start,"
          + " window_end, result) VALUES ('upgraded', 'main', 3, ?, ?, 1000, 2000, ?)", seq, "user-" + seq,
          "{\"n\":" + seq + "}");
    }
    CassandraResultsStore oldStore = new CassandraResultsStore(system, old, Map.of());
    TreeMap<Long, Output> outputs = new TreeMap<>();
    for (long seq = 4; seq <= 7; seq++) {
      outputs.put(seq, result(seq));
    }
    oldStore.write("upgraded", "main", 3, outputs).toCompletableFuture().get(30, TimeUnit.SECONDS);
    ResultsLog log = new ResultsLog(system, old);

    assertThat(seqsAfter(log, "upgraded", "main", 0, 100)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(seqsAfter(log, "upgraded", "main", 2, 3)).containsExactly(3L, 4L, 5L);
    assertThat(seqsAfter(log, "upgraded", "main", 5, 3)).containsExactly(6L, 7L);
    assertThat(log.after("upgraded", "main", 3, 0, 1).toCompletableFuture().get(30, TimeUnit.SECONDS).get(0).result())
        .isEqualTo(new WindowResult("user-1", 1_000, 2_000, Map.of("n", 1L)));
  }
}
