package io.keyflow.persistence.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.CqlSession;
import io.keyflow.persistence.cassandra.BundledCassandraSettings;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.TestCassandra;
import io.keyflow.persistence.results.ResultsGeneration;
import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pipelines catalog and reset against the real bundled Cassandra. */
class PipelineCatalogIT {

  private static CqlSession session;
  private static String keyspace;

  @BeforeAll
  static void start() throws Exception {
    BundledCassandraSettings cassandra = TestCassandra.ensureRunning();
    keyspace = TestCassandra.uniqueKeyspace("catalog");
    CassandraSchema.apply(cassandra.host(), cassandra.nativePort(), "datacenter1", keyspace,
        TestCassandra.home().resolve("docker/keyflow.cql"));
    session = CassandraSchema.connect(cassandra.host(), cassandra.nativePort(), "datacenter1");
  }

  @AfterAll
  static void stop() {
    if (session != null) {
      session.close();
    }
  }

  private static PipelineDefinition counts(String name, Duration size, Aggregations aggregations) {
    return PipelineDefinition.of(Pipeline.named(name).keyBy("key").window(TumblingEventTimeWindows.of(size)).aggregate(aggregations));
  }

  @Test
  void newPipelinesAreRecordedCompatibleChangesAcceptedIncompatibleOnesRefused() {
    PipelineCatalog catalog = new PipelineCatalog(session, keyspace);
    catalog.check(Map.of("clicks", counts("clicks", Duration.ofSeconds(10), Aggregations.count("n"))));
    assertThat(catalog.stored("clicks").aggregations()).containsExactly("n = count");

    catalog.check(Map.of("clicks", counts("clicks", Duration.ofSeconds(10), Aggregations.count("n").sum("total", "v"))));
    assertThat(catalog.stored("clicks").aggregations()).containsExactly("n = count", "total = sum(v)");

    assertThatThrownBy(() -> catalog.check(Map.of(
        "clicks", counts("clicks", Duration.ofSeconds(5), Aggregations.count("n")),
        "other", counts("other", Duration.ofSeconds(1), Aggregations.count("n")))))
        .isInstanceOf(PipelineCatalog.IncompatiblePipelineException.class)
        .hasMessageContaining("pipeline 'clicks' no longer matches its stored state")
        .hasMessageContaining("window changed from tumbling size 10000 ms")
        .hasMessageContaining("aggregation total = sum(v) was removed")
        .hasMessageContaining("bin/keyflow reset clicks");
    assertThat(catalog.stored("other")).as("nothing recorded when any pipeline is refused").isNull();
  }

  @Test
  void resetDeletesEverythingOfOnePipelineAndNothingOfOthers() {
    for (String p : new String[] {"shop", "shop_probe"}) {
      for (int kg = 0; kg < 3; kg++) {
        String pid = p + "|main|" + kg;
        session.execute("INSERT INTO " + keyspace + ".journal_events (persistence_id, partition_nr, sequence_nr, epoch,"
            + " event) VALUES (?, 0, 1, 1, ?)", pid, ByteBuffer.wrap(new byte[] {1}));
        session.execute("INSERT INTO " + keyspace + ".journal_deletions (persistence_id, deleted_to) VALUES (?, 0)", pid);
        session.execute("INSERT INTO " + keyspace + ".snapshots (persistence_id, sequence_nr, snapshot) VALUES (?, 1, ?)",
            pid, ByteBuffer.wrap(new byte[] {2}));
        session.execute("INSERT INTO " + keyspace + ".results (pipeline, stage, key_group, key, window_start, result)"
            + " VALUES (?, 'main', ?, 'k', 0, '{}')", p, kg);
        session.execute("INSERT INTO " + keyspace + ".results (pipeline, stage, key_group, key, window_start, result)"
            + " VALUES (?, 'busy', ?, 'k', 0, '{}')", p, kg);
        session.execute("INSERT INTO " + keyspace + ".late_records (pipeline, stage, key_group, output_seq, key)"
            + " VALUES (?, 'main', ?, 1, 'k')", p, kg);
        session.execute("INSERT INTO " + keyspace + ".results_batches (pipeline, stage, key_group, last_seq, first_seq)"
            + " VALUES (?, 'main', ?, 2, 2)", p, kg);
      }
      session.execute("INSERT INTO " + keyspace + ".journal_fences (fence_key, persistence_id, epoch) VALUES (?, ?, 1)",
          p + "|main", p + "|main|0");
      session.execute("INSERT INTO " + keyspace + ".idempotency_keys (pipeline, id, fingerprint) VALUES (?, 'r1', 'f')", p);
    }
    PipelineCatalog catalog = new PipelineCatalog(session, keyspace);
    catalog.check(Map.of("shop", counts("shop", Duration.ofSeconds(1), Aggregations.count("n"))));

    var deleted = catalog.reset("shop");
    assertThat(deleted.partitions()).containsEntry("journal_events", 3).containsEntry("journal_fences", 1)
        .containsEntry("journal_deletions", 3)
        .containsEntry("snapshots", 3).containsEntry("results", 6).containsEntry("late_records", 3)
        .containsEntry("results_batches", 3).doesNotContainKey("results_log")
        .containsEntry("idempotency_keys", 1).containsEntry("pipelines", 1);
    assertThat(catalog.stored("shop")).isNull();
    assertThat(count("journal_events", "persistence_id", "shop|")).isZero();
    assertThat(count("journal_events", "persistence_id", "shop_probe|")).isEqualTo(3);
    assertThat(count("journal_fences", "fence_key", "shop|")).isZero();
    assertThat(count("journal_fences", "fence_key", "shop_probe|")).isEqualTo(1);
    assertThat(session.execute("SELECT * FROM " + keyspace + ".results").all())
        .allSatisfy(row -> assertThat(row.getString("pipeline")).isEqualTo("shop_probe")).hasSize(6);
    assertThat(session.execute("SELECT pipeline FROM " + keyspace + ".results_batches").all())
        .allSatisfy(row -> assertThat(row.getString(0)).isEqualTo("shop_probe")).hasSize(3);
    assertThat(catalog.reset("shop").total()).isZero();
  }

  @Test
  void theOldPerFiringResultsLogIsStillCountedAndDeletedWhereItExists() throws Exception {
    String old = TestCassandra.uniqueKeyspace("oldlog");
    BundledCassandraSettings cassandra = TestCassandra.ensureRunning();
    CassandraSchema.apply(cassandra.host(), cassandra.nativePort(), "datacenter1", old,
        TestCassandra.home().resolve("docker/keyflow.cql"));
    session.execute("CREATE TABLE " + old + ".results_log (pipeline text, stage text, key_group int, output_seq bigint,"
        + " key text, window_start bigint, window_end bigint, result text,"
        + " PRIMARY KEY ((pipeline, stage, key_group), output_seq))");
    long ahead = System.currentTimeMillis() * 1000 + 3_600_000_000L;
    session.execute("INSERT INTO " + old + ".results_log (pipeline, stage, key_group, output_seq, result)"
        + " VALUES ('legacy', 'main', 1, ?, '{}')", ahead);
    session.execute("INSERT INTO " + old + ".results_log (pipeline, stage, key_group, output_seq, result)"
        + " VALUES ('kept', 'main', 1, 1, '{}')");

    PipelineCatalog.Deleted deleted = new PipelineCatalog(session, old).reset("legacy");
    assertThat(deleted.next().seqBase()).as("above the old log's highest number").isGreaterThan(ahead);
    assertThat(deleted.partitions()).containsEntry("results_log", 1).containsEntry("results_batches", 0);
    assertThat(session.execute("SELECT pipeline FROM " + old + ".results_log").all())
        .extracting(row -> row.getString(0)).containsExactly("kept");
  }

  @Test
  void aResetStartsAGenerationWhoseResultsOutrankItsTombstonesAndEveryOldSequenceNumber() {
    PipelineCatalog catalog = new PipelineCatalog(session, keyspace);
    assertThat(catalog.generations(java.util.List.of("gen"))).containsEntry("gen", ResultsGeneration.FIRST);
    session.execute("INSERT INTO " + keyspace + ".results (pipeline, stage, key_group, key, window_start, result)"
        + " VALUES ('gen', 'main', 0, 'k', 0, '{\"old\":1}') USING TIMESTAMP 5");
    session.execute("INSERT INTO " + keyspace + ".results_batches (pipeline, stage, key_group, last_seq, first_seq)"
        + " VALUES ('gen', 'main', 0, 7, 6)");
    session.execute("UPDATE " + keyspace + ".webhook_offsets SET delivered_seq = 9 WHERE pipeline = 'gen' AND stage = 'main'"
        + " AND key_group = 1");
    long before = System.currentTimeMillis() * 1000;

    ResultsGeneration first = catalog.reset("gen").next();
    assertThat(first.generation()).isEqualTo(1);
    assertThat(first.seqBase()).isGreaterThanOrEqualTo(before);
    assertThat(catalog.generations(java.util.List.of("gen", "other")))
        .containsEntry("gen", first).containsEntry("other", ResultsGeneration.FIRST);
    // A result of the new generation, written as the results store writes it, is visible at once.
    session.execute("INSERT INTO " + keyspace + ".results (pipeline, stage, key_group, key, window_start, result)"
        + " VALUES ('gen', 'main', 0, 'k', 0, '{\"new\":1}') USING TIMESTAMP " + first.storedSeq(1));
    assertThat(session.execute("SELECT result FROM " + keyspace + ".results WHERE pipeline = 'gen' AND stage = 'main'"
        + " AND key_group = 0").one().getString(0)).isEqualTo("{\"new\":1}");

    // Sequence numbers above the wall clock (a clock set back): the next base is above them.
    long ahead = first.seqBase() + 3_600_000_000L;
    session.execute("INSERT INTO " + keyspace + ".results_batches (pipeline, stage, key_group, last_seq, first_seq)"
        + " VALUES ('gen', 'main', 2, ?, ?)", ahead, ahead);
    ResultsGeneration second = catalog.reset("gen").next();
    assertThat(second.generation()).isEqualTo(2);
    assertThat(second.seqBase()).isGreaterThan(ahead);
    assertThat(session.execute("SELECT result FROM " + keyspace + ".results WHERE pipeline = 'gen'  AND stage = 'main'"
        + " AND key_group = 0").one()).as("the new generation's result went with the second reset").isNull();
  }

  @Test
  void everyStageOfAMultiStagePipelineIsChecked() {
    PipelineCatalog catalog = new PipelineCatalog(session, keyspace);
    PipelineDefinition twoStages = PipelineDefinition.of(Pipeline.named("items").keyBy("item").window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .aggregate(Aggregations.count("n")).then("top").keyBy("window_start")
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10))).aggregate(Aggregations.none().max("top", "n")));
    catalog.check(Map.of("items", twoStages));
    assertThat(catalog.stored("items|top").aggregations()).containsExactly("top = max(n)");
    PipelineDefinition changed = PipelineDefinition.of(Pipeline.named("items").keyBy("item").window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .aggregate(Aggregations.count("n")).then("top").keyBy("window_start")
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(20))).aggregate(Aggregations.none().max("top", "n")));
    assertThatThrownBy(() -> catalog.check(Map.of("items", changed)))
        .hasMessageContaining("pipeline 'items' stage 'top' no longer matches its stored state: window changed");
    assertThat(catalog.reset("items").partitions()).containsEntry("pipelines", 2);
  }

  @Test
  void journalsOfThePreviousFormatAreRefusedAtStartAndResetRemovesThem() {
    String old = TestCassandra.uniqueKeyspace("oldjournal");
    session.execute("CREATE KEYSPACE " + old + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    session.execute("CREATE TABLE " + old + ".journal (persistence_id text, partition_nr bigint, sequence_nr bigint,"
        + " head bigint static, event blob, PRIMARY KEY ((persistence_id, partition_nr), sequence_nr))");
    CassandraSchema.refuseOldJournal(session, old);
    session.execute("INSERT INTO " + old + ".journal (persistence_id, partition_nr, sequence_nr, head, event)"
        + " VALUES ('clicks|main|7', 0, 1, 1, 0x01)");
    assertThatThrownBy(() -> CassandraSchema.refuseOldJournal(session, old))
        .hasMessageContaining("previous format").hasMessageContaining("[clicks]")
        .hasMessageContaining("bin/keyflow reset");
  }

  private static long count(String table, String column, String prefix) {
    return session.execute("SELECT " + column + " FROM " + keyspace + "." + table).all().stream()
        .filter(r -> r.getString(0).startsWith(prefix)).count();
  }
}
