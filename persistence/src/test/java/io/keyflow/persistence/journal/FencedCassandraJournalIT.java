package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.cassandra.BundledCassandraSettings;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.JournalProtocol;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.testkit.javadsl.TestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The epoch-fenced journal against the bundled Cassandra, through Pekko's journal protocol. Each
 * writer is its own journal plugin instance (as each node has its own): it recovers (claims an
 * epoch) first, then appends, exactly what a paused node and its successor do.
 */
class FencedCassandraJournalIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static ActorSystem system;
  private static CqlSession session;
  private static String keyspace;

  @BeforeAll
  static void start() throws Exception {
    BundledCassandraSettings cassandra = TestCassandra.ensureRunning();
    keyspace = TestCassandra.uniqueKeyspace("fenced");
    CassandraSchema.apply(cassandra.host(), cassandra.nativePort(), "datacenter1", keyspace,
        TestCassandra.home().resolve("docker/keyflow.cql"));
    session = CassandraSchema.connect(cassandra.host(), cassandra.nativePort(), "datacenter1");
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = local
        keyflow.journal.partition-size = 4
        # Rows of about 120 bytes: every few appends start a new segment, so every case crosses segments.
        keyflow.journal.segment.max-bytes = 300
        keyflow.journal-a = ${keyflow.journal}
        keyflow.journal-b = ${keyflow.journal}
        keyflow.journal-c = ${keyflow.journal}
        keyflow.journal-w = ${keyflow.journal}
        keyflow.journal-r = ${keyflow.journal}
        keyflow.journal-l = ${keyflow.journal}
        # Half the appends of the many-groups case are refused (stale writers): not a broken store.
        keyflow.journal-m = ${keyflow.journal} { circuit-breaker.max-failures = 1000 }
        keyflow.journal-n = ${keyflow.journal} { circuit-breaker.max-failures = 1000 }
        datastax-java-driver.basic.load-balancing-policy.local-datacenter = datacenter1
        """)
        .withFallback(ConfigFactory.parseMap(java.util.Map.of(
            "keyflow.journal.keyspace", keyspace,
            "datastax-java-driver.basic.contact-points.0", cassandra.host() + ":" + cassandra.nativePort())))
        .withFallback(ConfigFactory.load())
        .resolve();
    system = ActorSystem.create("fenced-journal-it", config);
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

  private static String newPid() {
    return "pipeline|stage|" + UUID.randomUUID();
  }

  private static AtomicWrite events(String pid, String writer, long... seqs) {
    List<PersistentRepr> reprs = new ArrayList<>();
    for (long seq : seqs) {
      reprs.add(PersistentRepr.apply(writer + "-" + seq, seq, pid, "", false, ActorRef.noSender(), writer));
    }
    return new AtomicWrite(CollectionConverters.asScala(reprs).toList());
  }

  private record Replayed(List<String> payloads, long highest) {}

  /** One writer: a journal plugin instance of its own, as on its own node. */
  private static final class Writer {
    private final String name;
    private final ActorRef journal;

    Writer(String name) {
      this.name = name;
      this.journal = Persistence.get(system).journalFor("keyflow.journal-" + name, ConfigFactory.empty());
    }

    /** Recovers from a snapshot at {@code snapshotSeq}: claims an epoch, replays at most {@code max}. */
    Replayed recover(String pid, long snapshotSeq, long max) {
      Object outcome = recoverOrFailure(pid, snapshotSeq, max);
      if (outcome instanceof Throwable failure) {
        throw new AssertionError("recovery failed", failure);
      }
      return (Replayed) outcome;
    }

    Replayed recover(String pid) {
      return recover(pid, 0, Long.MAX_VALUE);
    }

    /** The replayed events, or the recovery's failure. */
    Object recoverOrFailure(String pid, long snapshotSeq, long max) {
      TestKit probe = new TestKit(system);
      journal.tell(new JournalProtocol.ReplayMessages(snapshotSeq + 1, Long.MAX_VALUE, max, pid, probe.getRef()),
          probe.getRef());
      List<String> payloads = new ArrayList<>();
      while (true) {
        Object message = probe.expectMsgAnyClassOf(TIMEOUT, JournalProtocol.ReplayedMessage.class,
            JournalProtocol.RecoverySuccess.class, JournalProtocol.ReplayMessagesFailure.class);
        if (message instanceof JournalProtocol.ReplayedMessage replayed) {
          payloads.add((String) replayed.persistent().payload());
        } else if (message instanceof JournalProtocol.ReplayMessagesFailure failure) {
          return failure.cause();
        } else {
          return new Replayed(payloads, ((JournalProtocol.RecoverySuccess) message).highestSequenceNr());
        }
      }
    }

    /** The persistence id {@link #append(long...)} writes to. */
    private String pid;

    Writer on(String pid) {
      this.pid = pid;
      return this;
    }

    /** Appends: true when acknowledged, false when fenced off; any other failure fails the test. */
    boolean append(long... seqs) {
      return append(events(pid, name, seqs));
    }

    boolean append(AtomicWrite write) {
      TestKit probe = new TestKit(system);
      journal.tell(new JournalProtocol.WriteMessages(
          CollectionConverters.asScala(List.<org.apache.pekko.persistence.PersistentEnvelope>of(write)).toList(),
          probe.getRef(), 1), probe.getRef());
      Object outcome = probe.expectMsgAnyClassOf(TIMEOUT,
          JournalProtocol.WriteMessagesSuccessful$.class, JournalProtocol.WriteMessagesFailed.class);
      for (int i = 0; i < write.size(); i++) {
        probe.expectMsgAnyClassOf(TIMEOUT, JournalProtocol.WriteMessageSuccess.class,
            JournalProtocol.WriteMessageFailure.class, JournalProtocol.WriteMessageRejected.class);
      }
      if (outcome instanceof JournalProtocol.WriteMessagesFailed failed) {
        assertThat(failed.cause()).isInstanceOf(FencedCassandraJournal.WriterConflictException.class);
        return false;
      }
      return true;
    }

    void deleteTo(String pid, long to) {
      TestKit probe = new TestKit(system);
      journal.tell(new JournalProtocol.DeleteMessagesTo(pid, to, probe.getRef()), probe.getRef());
      probe.expectMsgClass(TIMEOUT, org.apache.pekko.persistence.DeleteMessagesSuccess.class);
    }
  }

  @Test
  void aStaleWriterFailsInsteadOfOverwritingTheNewWritersEvents() {
    String pid = newPid();
    Writer a = new Writer("a").on(pid);
    Writer b = new Writer("b").on(pid);
    assertThat(a.recover(pid)).isEqualTo(new Replayed(List.of(), 0));
    for (long seq = 1; seq <= 3; seq++) {
      assertThat(a.append(seq)).isTrue();
    }
    // b recovers at 3 and appends 4 and 5; a, paused at 3, wakes and appends its own 4.
    assertThat(b.recover(pid)).isEqualTo(new Replayed(List.of("a-1", "a-2", "a-3"), 3));
    assertThat(b.append(4)).isTrue();
    assertThat(b.append(5)).isTrue();
    assertThat(a.append(4)).isFalse();

    Replayed replayed = new Writer("c").recover(pid);
    assertThat(replayed.payloads()).containsExactly("a-1", "a-2", "a-3", "b-4", "b-5");
    assertThat(replayed.highest()).isEqualTo(5);
  }

  /**
   * A claim's first guess of the fence is a plain read; the owner of the current epoch may record
   * its start between that read and the claim. The claim must then not apply (its starts would lack
   * that start, and the new owner would take that owner's acknowledged rows for invalid), and its
   * answer must carry the fence as it is, for the next attempt.
   */
  @Test
  void aClaimDoesNotApplyOverAStartRecordedAfterItsReadAndAnswersTheCurrentFence() {
    String fences = keyspace + ".journal_fences";
    String pid = newPid();
    session.execute(SimpleStatement.newInstance("INSERT INTO " + fences
        + " (fence_key, persistence_id, epoch, owner) VALUES ('p|s', ?, 1, ?)", pid, UUID.randomUUID()));
    var claim = session.prepare(JournalStatements.claimNextCql(fences));
    var record = session.prepare(JournalStatements.recordStartCql(fences));
    // Read: epoch 1, no start. Then the owner of epoch 1 records its start ...
    assertThat(session.execute(record.bind(1L, 5L, "p|s", pid, 1L)).wasApplied()).isTrue();
    // ... and the claim made from the read must not apply.
    UUID claimer = UUID.randomUUID();
    Row answer = session.execute(claim.bind(2L, claimer, "p|s", pid, 1L, 1L, null)).one();
    assertThat(answer.getBoolean("[applied]")).isFalse();
    assertThat(answer.getLong("epoch")).isEqualTo(1L);
    assertThat(answer.getMap("starts", Long.class, Long.class)).containsExactly(Map.entry(1L, 5L));
    // With the fence of the answer it applies.
    assertThat(session.execute(claim.bind(2L, claimer, "p|s", pid, 1L, 1L, 5L)).wasApplied()).isTrue();
  }

  @Test
  void ofTwoWritersOnlyTheLaterClaimWritesAndTheLosersLandedRowsStayInvalid() {
    String pid = newPid();
    Writer a = new Writer("a").on(pid);
    Writer b = new Writer("b").on(pid);
    a.recover(pid);
    assertThat(a.append(1)).isTrue();
    assertThat(a.append(2)).isTrue();
    b.recover(pid);
    assertThat(b.append(3)).isTrue();
    // a's row 3 lands (a plain insert) but its confirmation sees b's epoch: never acknowledged.
    assertThat(a.append(3)).isFalse();
    assertThat(new Writer("c").recover(pid).payloads()).containsExactly("a-1", "a-2", "b-3");

    // The very first writes of a persistence id are fenced too, and a loser's row at the winner's
    // start is invalid even though it landed first.
    String fresh = newPid();
    Writer a2 = new Writer("a").on(fresh);
    Writer b2 = new Writer("b").on(fresh);
    a2.recover(fresh);
    b2.recover(fresh);
    assertThat(a2.append(1)).isFalse();
    assertThat(new Writer("c").recover(fresh)).isEqualTo(new Replayed(List.of(), 0));
    Writer c2 = new Writer("c").on(fresh);
    assertThat(c2.append(1)).isTrue();
    assertThat(b2.append(1)).isFalse();
    assertThat(new Writer("a").recover(fresh).payloads()).containsExactly("c-1");
  }

  @Test
  void aRecoveryFromASnapshotOlderThanTheDeletionPointFailsAndTheNewerSnapshotRecovers() {
    String pid = newPid();
    Writer b = new Writer("b").on(pid);
    b.recover(pid);
    for (long seq = 1; seq <= 10; seq++) {
      assertThat(b.append(seq)).isTrue();
    }
    b.deleteTo(pid, 9);
    // A stale snapshot (at 4, or none) would replay over deleted rows and start writing at 5.
    Writer a = new Writer("a").on(pid);
    assertThat(a.recoverOrFailure(pid, 4, Long.MAX_VALUE)).isInstanceOf(EpochRules.DeletedBelowSnapshot.class);
    assertThat(a.recoverOrFailure(pid, 0, Long.MAX_VALUE)).isInstanceOf(EpochRules.DeletedBelowSnapshot.class);
    // That failed recovery still claimed an epoch: b is fenced. Its row 11 landed, though, and no
    // later epoch recorded a start below it: the next owner recovers it (never acknowledged, but
    // valid; a client retry of it is deduplicated as any retry is).
    assertThat(b.append(11)).isFalse();

    assertThat(a.recover(pid, 9, Long.MAX_VALUE)).isEqualTo(new Replayed(List.of("b-10", "b-11"), 11));
    assertThat(a.append(12)).isTrue();
    assertThat(new Writer("c").recover(pid, 9, Long.MAX_VALUE).payloads()).containsExactly("b-10", "b-11", "a-12");
  }

  @Test
  void replayCrossesPartitionsInOrderAndStopsAtMax() {
    String pid = newPid();
    Writer w = new Writer("w").on(pid);
    w.recover(pid);
    for (long seq = 1; seq <= 9; seq++) {
      assertThat(w.append(seq)).isTrue();
    }
    assertThat(w.append(10, 11)).isTrue();

    Writer r = new Writer("r");
    assertThat(r.recover(pid).payloads())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 11).mapToObj(s -> "w-" + s).toList());
    assertThat(r.recover(pid, 2, 5).payloads()).containsExactly("w-3", "w-4", "w-5", "w-6", "w-7");
    assertThat(r.recover(pid, 11, Long.MAX_VALUE)).isEqualTo(new Replayed(List.of(), 11));
  }

  @Test
  void anAtomicWriteGoesWholeIntoOneSegment() {
    String pid = newPid();
    Writer w = new Writer("w").on(pid);
    w.recover(pid);
    assertThat(w.append(1)).isTrue();
    assertThat(w.append(2)).isTrue();
    assertThat(w.append(3, 4, 5)).isTrue();
    assertThat(new Writer("r").recover(pid)).isEqualTo(new Replayed(List.of("w-1", "w-2", "w-3", "w-4", "w-5"), 5));
    java.util.Map<Long, UUID> segmentOf = new java.util.HashMap<>();
    for (Row entry : session.execute("SELECT segment FROM " + keyspace + ".journal_segment_index WHERE persistence_id = ?", pid)) {
      for (Row row : session.execute("SELECT sequence_nr FROM " + keyspace + ".journal_segments WHERE fence_key = ?"
          + " AND segment = ? AND persistence_id = ?", FencedCassandraJournal.fenceKeyOf(pid), entry.getUuid(0), pid)) {
        segmentOf.put(row.getLong(0), entry.getUuid(0));
      }
    }
    assertThat(segmentOf).containsOnlyKeys(1L, 2L, 3L, 4L, 5L);
    assertThat(segmentOf.get(4L)).isEqualTo(segmentOf.get(3L));
    assertThat(segmentOf.get(5L)).isEqualTo(segmentOf.get(3L));
  }

  @Test
  void rowsOfThePreviousFormatAreStillReadAndDeleted() {
    String pid = newPid();
    Writer w = new Writer("w").on(pid);
    w.recover(pid);
    for (long seq = 1; seq <= 5; seq++) {
      assertThat(w.append(seq)).isTrue();
    }
    // Move the rows to the table of format epoch-fenced-2 (one partition per 4 sequence numbers here).
    for (Row entry : session.execute("SELECT segment FROM " + keyspace + ".journal_segment_index WHERE persistence_id = ?", pid)) {
      for (Row row : session.execute("SELECT sequence_nr, epoch, writer_uuid, ser_id, ser_manifest, event_manifest, event,"
          + " written_at FROM " + keyspace + ".journal_segments WHERE fence_key = ? AND segment = ? AND persistence_id = ?",
          FencedCassandraJournal.fenceKeyOf(pid), entry.getUuid(0), pid)) {
        session.execute("INSERT INTO " + keyspace + ".journal_events (persistence_id, partition_nr, sequence_nr, epoch,"
            + " writer_uuid, ser_id, ser_manifest, event_manifest, event, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            pid, row.getLong(0) / 4, row.getLong(0), row.getLong(1), row.getString(2), row.getInt(3), row.getString(4),
            row.getString(5), row.getByteBuffer(6), row.getLong(7));
      }
      session.execute("DELETE FROM " + keyspace + ".journal_segments WHERE fence_key = ? AND segment = ? AND persistence_id = ?",
          FencedCassandraJournal.fenceKeyOf(pid), entry.getUuid(0), pid);
    }
    session.execute("DELETE FROM " + keyspace + ".journal_segment_index WHERE persistence_id = ?", pid);

    // A journal started before any row of that format existed never reads the table (it cannot get
    // any); one started now does.
    Writer r = new Writer("l").on(pid);
    assertThat(r.recover(pid)).isEqualTo(new Replayed(List.of("w-1", "w-2", "w-3", "w-4", "w-5"), 5));
    assertThat(r.append(6)).isTrue();
    assertThat(r.recover(pid, 3, Long.MAX_VALUE)).isEqualTo(new Replayed(List.of("w-4", "w-5", "l-6"), 6));
    r.deleteTo(pid, 5);
    assertThat(session.execute("SELECT sequence_nr FROM " + keyspace + ".journal_events WHERE persistence_id = ?"
        + " AND partition_nr IN (0, 1)", pid).all()).isEmpty();
    assertThat(new Writer("c").recover(pid, 5, Long.MAX_VALUE)).isEqualTo(new Replayed(List.of("l-6"), 6));
  }

  @Test
  void aRowLostBelowARecordedStartFailsRecoveryInsteadOfBeingWrittenAgain() {
    String pid = newPid();
    Writer a = new Writer("a").on(pid);
    a.recover(pid);
    for (long seq = 1; seq <= 3; seq++) {
      assertThat(a.append(seq)).isTrue();
    }
    Writer b = new Writer("b").on(pid);
    b.recover(pid);
    assertThat(b.append(4)).isTrue();
    // Row 2 disappears behind Keyflow's back (say a replica replaced without repair).
    for (Row entry : session.execute("SELECT segment FROM " + keyspace + ".journal_segment_index WHERE persistence_id = ?",
        pid)) {
      session.execute("DELETE FROM " + keyspace + ".journal_segments WHERE fence_key = ? AND segment = ?"
          + " AND persistence_id = ? AND sequence_nr = 2", FencedCassandraJournal.fenceKeyOf(pid), entry.getUuid(0), pid);
    }
    Object outcome = new Writer("c").recoverOrFailure(pid, 0, Long.MAX_VALUE);
    assertThat(outcome).isInstanceOf(EpochRules.RecoveryRefused.class);
    assertThat(((Throwable) outcome).getMessage()).contains("misses sequence number 2");
  }

  @Test
  void aWriterThatDidNotRecoverHereCannotWrite() {
    String pid = newPid();
    Writer a = new Writer("a").on(pid);
    TestKit probe = new TestKit(system);
    a.journal.tell(new JournalProtocol.WriteMessages(
        CollectionConverters.asScala(List.<org.apache.pekko.persistence.PersistentEnvelope>of(
            events(pid, "a", 1))).toList(), probe.getRef(), 1), probe.getRef());
    JournalProtocol.WriteMessagesFailed failed = probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessagesFailed.class);
    assertThat(failed.cause()).hasMessageContaining("was not recovered by this journal");
  }

  /**
   * The rounds of many recoveries of one stage leave as conditional batches (FenceRounds). Cassandra
   * answers a batch that did not apply with the current rows, keyed by persistence id; the update
   * whose condition failed gets its row back, the others apply in the next batch.
   */
  @Test
  void aConditionalBatchThatDidNotApplyAnswersEachRowByIdAndTheOthersApplyNext() throws Exception {
    String fences = keyspace + ".journal_fences";
    String stage = "batch|" + UUID.randomUUID().toString().substring(0, 8);
    String claimed = stage + "|1";
    String fresh1 = stage + "|2";
    String fresh2 = stage + "|3";
    UUID other = UUID.randomUUID();
    session.execute(SimpleStatement.newInstance("INSERT INTO " + fences
        + " (fence_key, persistence_id, epoch, owner) VALUES (?, ?, 2, ?)", stage, claimed, other));
    var claimFirst = session.prepare("INSERT INTO " + fences
        + " (fence_key, persistence_id, epoch, owner) VALUES (?, ?, 1, ?) IF NOT EXISTS");
    var claimNext = session.prepare(JournalStatements.claimNextCql(fences));
    FencePaxos paxos = new FencePaxos(
        statement -> session.executeAsync(statement).toCompletableFuture(),
        java.util.concurrent.CompletableFuture.completedFuture(session.prepare(FencePaxos.selectFencesCql(fences))), "default",
        com.datastax.oss.driver.api.core.DefaultConsistencyLevel.QUORUM,
        com.datastax.oss.driver.api.core.DefaultConsistencyLevel.SERIAL);
    UUID me = UUID.randomUUID();
    // The claim of `claimed` was made from a stale read (epoch 1): its condition fails.
    var answer = paxos.conditional(stage, List.of(fresh1, claimed, fresh2), List.of(
        claimFirst.bind(stage, fresh1, me),
        claimNext.bind(2L, me, stage, claimed, 1L, 1L, null),
        claimFirst.bind(stage, fresh2, me))).toCompletableFuture().get();
    assertThat(answer).isPresent();
    assertThat(answer.get()).containsOnlyKeys(claimed);
    assertThat(answer.get().get(claimed).epoch()).isEqualTo(2L);
    assertThat(paxos.serialRead(stage, java.util.Set.of(fresh1, fresh2, claimed)).toCompletableFuture().get())
        .as("nothing of the batch applied").containsOnlyKeys(claimed);

    assertThat(paxos.conditional(stage, List.of(fresh1, fresh2), List.of(
        claimFirst.bind(stage, fresh1, me), claimFirst.bind(stage, fresh2, me))).toCompletableFuture().get())
        .isEmpty();
    var read = paxos.serialRead(stage, java.util.Set.of(fresh1, fresh2, claimed)).toCompletableFuture().get();
    assertThat(read.get(fresh1)).isEqualTo(new Fence(1, me, new java.util.TreeMap<>()));
    assertThat(read.get(fresh2).owner()).isEqualTo(me);
    assertThat(read.get(claimed).owner()).isEqualTo(other);

    // A lone update's answer has no key columns; it is keyed by its id all the same.
    var alone = paxos.conditional(stage, List.of(claimed), List.of(claimNext.bind(2L, me, stage, claimed, 1L, 1L, null)))
        .toCompletableFuture().get();
    assertThat(alone.orElseThrow().get(claimed).epoch()).isEqualTo(2L);
  }

  /**
   * Two writers (two nodes) recover the same forty key groups of one stage at once, as at a
   * failover: their rounds go in batches. For every key group exactly one of them can then write,
   * and a later recovery reads exactly that writer's event.
   */
  @Test
  void ofTwoWritersRecoveringManyKeyGroupsAtOnceExactlyOneWritesEachGroup() {
    String stage = "many|" + UUID.randomUUID().toString().substring(0, 8);
    List<String> pids = new ArrayList<>();
    for (int g = 0; g < 40; g++) {
      pids.add(stage + "|" + g);
    }
    Writer a = new Writer("m");
    Writer b = new Writer("n");
    Map<String, TestKit> probes = new java.util.LinkedHashMap<>();
    for (String pid : pids) {
      for (Writer w : List.of(a, b)) {
        TestKit probe = new TestKit(system);
        w.journal.tell(new JournalProtocol.ReplayMessages(1, Long.MAX_VALUE, Long.MAX_VALUE, pid, probe.getRef()),
            probe.getRef());
        probes.put(w.name + pid, probe);
      }
    }
    for (String pid : pids) {
      List<Writer> recovered = new ArrayList<>();
      for (Writer w : List.of(a, b)) {
        Object outcome = probes.get(w.name + pid).expectMsgAnyClassOf(TIMEOUT, JournalProtocol.RecoverySuccess.class,
            JournalProtocol.ReplayMessagesFailure.class);
        if (outcome instanceof JournalProtocol.ReplayMessagesFailure failure) {
          // Claimed, but the other claimed the next epoch before this one recorded its start.
          assertThat(failure.cause()).isInstanceOf(FencedCassandraJournal.WriterConflictException.class);
        } else {
          recovered.add(w);
        }
      }
      assertThat(recovered).as("the later claim of %s recovers", pid).isNotEmpty();
      List<String> wrote = new ArrayList<>();
      for (Writer w : recovered) {
        if (w.on(pid).append(1)) {
          wrote.add(w.name);
        }
      }
      assertThat(wrote).as("writers of %s", pid).hasSize(1);
      assertThat(new Writer("c").recover(pid).payloads()).containsExactly(wrote.get(0) + "-1");
    }
  }
}
