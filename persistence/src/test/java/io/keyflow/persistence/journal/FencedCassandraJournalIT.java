package io.keyflow.persistence.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.cassandra.BundledCassandraSettings;
import io.keyflow.persistence.cassandra.CassandraSchema;
import io.keyflow.persistence.cassandra.TestCassandra;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * The fenced journal against the bundled Cassandra, through Pekko's journal protocol. The journal
 * keeps no state per persistence id, so two writers are two sequences of appends that each start
 * from the head they last saw, exactly what a paused node and its successor send.
 */
class FencedCassandraJournalIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static ActorSystem system;
  private static ActorRef journal;

  @BeforeAll
  static void start() throws Exception {
    BundledCassandraSettings cassandra = TestCassandra.ensureRunning();
    String keyspace = TestCassandra.uniqueKeyspace("fenced");
    CassandraSchema.apply(cassandra.host(), cassandra.nativePort(), "datacenter1", keyspace,
        TestCassandra.home().resolve("docker/keyflow.cql"));
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = local
        pekko.persistence.journal.plugin = "keyflow.journal"
        keyflow.journal.partition-size = 4
        datastax-java-driver.basic.load-balancing-policy.local-datacenter = datacenter1
        """)
        .withFallback(ConfigFactory.parseMap(java.util.Map.of(
            "keyflow.journal.keyspace", keyspace,
            "datastax-java-driver.basic.contact-points.0", cassandra.host() + ":" + cassandra.nativePort())))
        .withFallback(ConfigFactory.load())
        .resolve();
    system = ActorSystem.create("fenced-journal-it", config);
    journal = Persistence.get(system).journalFor("keyflow.journal", ConfigFactory.empty());
  }

  @AfterAll
  static void stop() {
    if (system != null) {
      TestKit.shutdownActorSystem(system);
    }
  }

  private static String newPid() {
    return "pid-" + UUID.randomUUID();
  }

  private static AtomicWrite events(String pid, String writer, long... seqs) {
    List<PersistentRepr> reprs = new ArrayList<>();
    for (long seq : seqs) {
      reprs.add(PersistentRepr.apply(writer + "-" + seq, seq, pid, "", false, ActorRef.noSender(), writer));
    }
    return new AtomicWrite(CollectionConverters.asScala(reprs).toList());
  }

  /** Appends: true when acknowledged, false when fenced off; any other failure fails the test. */
  private static boolean append(AtomicWrite write) {
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

  private record Replayed(List<String> payloads, long highest) {}

  private static Replayed replay(String pid, long from, long max) {
    TestKit probe = new TestKit(system);
    journal.tell(new JournalProtocol.ReplayMessages(from, Long.MAX_VALUE, max, pid, probe.getRef()), probe.getRef());
    List<String> payloads = new ArrayList<>();
    while (true) {
      Object message = probe.expectMsgAnyClassOf(TIMEOUT, JournalProtocol.ReplayedMessage.class,
          JournalProtocol.RecoverySuccess.class);
      if (message instanceof JournalProtocol.ReplayedMessage replayed) {
        payloads.add((String) replayed.persistent().payload());
      } else {
        return new Replayed(payloads, ((JournalProtocol.RecoverySuccess) message).highestSequenceNr());
      }
    }
  }

  private static void deleteTo(String pid, long to) {
    TestKit probe = new TestKit(system);
    journal.tell(new JournalProtocol.DeleteMessagesTo(pid, to, probe.getRef()), probe.getRef());
    probe.expectMsgClass(TIMEOUT, org.apache.pekko.persistence.DeleteMessagesSuccess.class);
  }

  @Test
  void aStaleWriterFailsInsteadOfOverwritingTheNewWritersEvents() {
    String pid = newPid();
    for (long seq = 1; seq <= 3; seq++) {
      assertThat(append(events(pid, "a", seq))).isTrue();
    }
    // b recovered at 3 and appended 4 and 5; a, paused at 3, wakes and appends its own 4.
    assertThat(append(events(pid, "b", 4))).isTrue();
    assertThat(append(events(pid, "b", 5))).isTrue();
    assertThat(append(events(pid, "a", 4))).isFalse();

    Replayed replayed = replay(pid, 1, Long.MAX_VALUE);
    assertThat(replayed.payloads()).containsExactly("a-1", "a-2", "a-3", "b-4", "b-5");
    assertThat(replayed.highest()).isEqualTo(5);
  }

  @Test
  void ofTwoWritersAtTheSameHeadOnlyTheFirstAppendSucceeds() {
    String pid = newPid();
    assertThat(append(events(pid, "a", 1))).isTrue();
    assertThat(append(events(pid, "a", 2))).isTrue();
    assertThat(append(events(pid, "b", 3))).isTrue();
    assertThat(append(events(pid, "a", 3))).isFalse();
    // The very first append of a persistence id is fenced too.
    String fresh = newPid();
    assertThat(append(events(fresh, "a", 1))).isTrue();
    assertThat(append(events(fresh, "b", 1))).isFalse();
    assertThat(replay(pid, 1, Long.MAX_VALUE).payloads()).containsExactly("a-1", "a-2", "b-3");
    assertThat(replay(fresh, 1, Long.MAX_VALUE).payloads()).containsExactly("a-1");
  }

  @Test
  void aDeletedRangeCanNeverBeWrittenAgain() {
    String pid = newPid();
    for (long seq = 1; seq <= 10; seq++) {
      assertThat(append(events(pid, "b", seq))).isTrue();
    }
    deleteTo(pid, 9);
    // A writer that stopped at 4 (or at nothing) finds deleted rows, but the heads still fence it.
    assertThat(append(events(pid, "a", 5))).isFalse();
    assertThat(append(events(pid, "a", 1))).isFalse();
    assertThat(append(events(pid, "a", 8))).isFalse();

    Replayed replayed = replay(pid, 1, Long.MAX_VALUE);
    assertThat(replayed.payloads()).containsExactly("b-10");
    assertThat(replayed.highest()).isEqualTo(10);
    assertThat(append(events(pid, "b", 11))).isTrue();
    assertThat(replay(pid, 10, Long.MAX_VALUE).payloads()).containsExactly("b-10", "b-11");
  }

  @Test
  void replayCrossesPartitionsInOrderAndStopsAtMax() {
    String pid = newPid();
    for (long seq = 1; seq <= 9; seq++) {
      assertThat(append(events(pid, "w", seq))).isTrue();
    }
    assertThat(append(events(pid, "w", 10, 11))).isTrue();

    assertThat(replay(pid, 1, Long.MAX_VALUE).payloads())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 11).mapToObj(s -> "w-" + s).toList());
    assertThat(replay(pid, 3, 5).payloads()).containsExactly("w-3", "w-4", "w-5", "w-6", "w-7");
    assertThat(replay(pid, 12, Long.MAX_VALUE)).isEqualTo(new Replayed(List.of(), 11));
  }

  @Test
  void anAtomicWriteThatSpansTwoPartitionsIsRejectedAndWritesNothing() {
    String pid = newPid();
    assertThat(append(events(pid, "w", 1))).isTrue();
    assertThat(append(events(pid, "w", 2))).isTrue();
    TestKit probe = new TestKit(system);
    journal.tell(new JournalProtocol.WriteMessages(
        CollectionConverters.asScala(List.<org.apache.pekko.persistence.PersistentEnvelope>of(
            events(pid, "w", 3, 4, 5))).toList(), probe.getRef(), 1), probe.getRef());
    probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessagesSuccessful$.class);
    for (int i = 0; i < 3; i++) {
      probe.expectMsgClass(TIMEOUT, JournalProtocol.WriteMessageRejected.class);
    }
    assertThat(replay(pid, 1, Long.MAX_VALUE)).isEqualTo(new Replayed(List.of("w-1", "w-2"), 2));
  }
}
