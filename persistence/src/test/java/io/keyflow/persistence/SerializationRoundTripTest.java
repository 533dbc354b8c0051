package io.keyflow.persistence;

import io.keyflow.pipeline.runner.Operators;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.internal.serialization.JournalEventSerializer;
import io.keyflow.persistence.internal.serialization.RecordMessageSerializer;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SerializationRoundTripTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private static final SerializationTestKit serialization = new SerializationTestKit(testKit.system());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final List<Record> RECORDS = List.of(
      new Record("ann", 1_000, Map.of("amount", 5L, "price", 2.5)), new Record("bob", -3, Map.of()));

  @Test
  void everyCommandRoundTripsThroughItsSerializer() {
    TestProbe<Object> probe = testKit.createTestProbe();
    List<KeyGroupEntity.Command> commands = List.of(
        new KeyGroupEntity.ProcessBatch(List.of(TestParts.ticketed("req", RECORDS), TestParts.ticketed(null, RECORDS),
            new KeyGroupEntity.Part("old#0", RECORDS, null, 0, 0, 0, 0)),
            List.of(Idempotency.Claim.byKey("req", "f1", 0), Idempotency.Claim.byProducer("p1", 2, 7)), probe.ref().narrow()),
        new KeyGroupEntity.AdvanceWatermark(42, probe.ref().narrow()),
        new KeyGroupEntity.GetKeyState("ann", probe.ref().narrow()),
        new KeyGroupEntity.Wake(probe.ref().narrow()),
        new KeyGroupEntity.OutputsDelivered(9),
        new KeyGroupEntity.ForwardBatch("counts/7", List.of(new KeyGroupEntity.Forwarded(3, RECORDS.get(1))), probe.ref().narrow()),
        new KeyGroupEntity.OutputsForwarded(5),
        new KeyGroupEntity.ForwardFailed("timeout"),
        KeyGroupEntity.RetryForward.INSTANCE,
        new KeyGroupEntity.DeliveryFailed("boom"),
        KeyGroupEntity.RetryDelivery.INSTANCE,
        KeyGroupEntity.Tick.INSTANCE,
        KeyGroupEntity.HandOff.INSTANCE,
        KeyGroupEntity.StopAfterHandOff.INSTANCE);
    for (var command : commands) {
      if (command instanceof KeyGroupEntity.ProcessBatch || command instanceof KeyGroupEntity.ForwardBatch) {
        // Record-carrying messages: the compact encoding (RecordMessageSerializerTest).
        assertThat(SerializationExtension.get(testKit.system()).findSerializerFor(command))
            .isInstanceOf(RecordMessageSerializer.class);
      } else {
        assertJacksonCbor(command);
      }
      serialization.verifySerialization(command, true);
    }
  }

  @Test
  void everyReplyAndEventRoundTrips() {
    List<Object> messages = List.of(
        new KeyGroupEntity.BatchAccepted(3, List.of(new KeyGroupEntity.PartOutcome(2, 1, false),
            new KeyGroupEntity.PartOutcome(0, 0, true)), List.of(new Idempotency.Ticket(Idempotency.Verdict.NEW, "h/3", 9, 1_767_225_600_000L),
            new Idempotency.Ticket(Idempotency.Verdict.DIFFERENT_BODY, null, 4, 1_767_225_600_000L))),
        new KeyGroupEntity.WatermarkAdvancedTo(3, 99),
        new KeyGroupEntity.Awake(5),
        new KeyGroupEntity.KeyStateView("ann", 3, 1_000,
            List.of(new WindowResult("ann", 0, 10_000, Map.of("n", 2L, "avg", 1.5))), 20, 1, Map.of(), 0, null),
        new KeyGroupEntity.KeyStateView("bob", 3, 1_000, List.of(), 20, 0,
            Map.of("count", Map.of("count", 2L, "lastModified", 5L), "seen", List.of("a", "b")), 1, "processElement: boom"),
        new KeyGroupEntity.BatchApplied(List.of(TestParts.ticketed("req", RECORDS)), 4, 1_767_225_600_000L, 2,
            List.of(new Idempotency.KeyClaimed("req", "f1", 9, 1_767_225_600_000L)),
            List.of(new Idempotency.ProducerSeqClaimed("p1", 2, 7, 10, 1_767_225_600_000L))),
        new KeyGroupEntity.WatermarkAdvanced(77, 0, 0),
        new KeyGroupEntity.ProcessingTimeAdvanced(1_767_225_600_000L, 3, 1),
        new KeyGroupEntity.SnapshotMarker("hand-off", 5, 4),
        new KeyGroupEntity.ForwardAccepted(3, 2),
        new KeyGroupEntity.ForwardApplied("counts/7", List.of(new KeyGroupEntity.Forwarded(12, RECORDS.get(0))),
            1_767_225_600_000L, 3, 0));
    for (Object message : messages) {
      if (message instanceof KeyGroupEntity.BatchApplied || message instanceof KeyGroupEntity.ForwardApplied) {
        // Record-carrying journal events: the compact encoding (JournalEventSerializerTest).
        assertThat(SerializationExtension.get(testKit.system()).findSerializerFor(message))
            .isInstanceOf(JournalEventSerializer.class);
      } else {
        assertJacksonCbor(message);
      }
      serialization.verifySerialization(message, true);
    }
  }

  @Test
  void stateWithOpenWindowsTimersAndOutboxRoundTripsToTheSameBehaviour() {
    PipelineDefinition def = new PipelineDefinition("p", "main", "key", "ts", 100, 1_000, 128,
        WindowSpec.sliding(Duration.ofSeconds(2), Duration.ofSeconds(1)),
        List.of(Aggregation.count("n"), Aggregation.of("s", Aggregation.Function.SUM, "amount"),
            Aggregation.of("m", Aggregation.Function.MAX, "price")));
    StageOperator op = Operators.create(def, 0);
    KeyGroupState state = KeyGroupState.empty();
    state.appliedIds().put("req-a#0", 10L);
    state.appliedIds().put("req-b#0", 20L);
    state.highWater().put("counts/3", 41L);
    // Windows as the idempotency rules fill them: a home's tickets, a producer, applied parts (one partial).
    state.idempotency().latestAppliedAt = 1_767_225_600_000L;
    state.idempotency().nextSeq = 12;
    state.idempotency().claims.put("req-c", new IdempotencyState.KeyTicket("f1", 11, 1_767_225_500_000L));
    ProducerWindow producer = new ProducerWindow();
    producer.epoch = 2;
    producer.floor = 3;
    producer.seqs.put(5L, new ProducerWindow.Ticketed(10, 1_767_225_400_000L));
    state.idempotency().producers.put("p1", producer);
    SeqWindow applied = new SeqWindow();
    applied.record(70, 0, 4, 4, 1_767_225_400_000L, 1_000);
    applied.record(200, 0, 2, 5, 1_767_225_500_000L, 1_000);
    state.idempotency().applied.put("h/3", applied);
    op.processBatch(state.stage(), RECORDS);
    op.processBatch(state.stage(), List.of(new Record("ann", 5_000, Map.of("amount", 1L, "price", 1.0))))
        .forEach(o -> state.outbox().put(o.seq(), o));
    state.outbox().put(99L, new io.keyflow.pipeline.engine.Output(99, null, RECORDS.get(0)));
    assertThat(state.outbox()).isNotEmpty();

    KeyGroupState copy = roundTrip(state);
    assertThat(copy.outbox()).isEqualTo(new TreeMap<>(state.outbox()));
    assertThat(copy.appliedIds()).containsExactlyEntriesOf(state.appliedIds());
    assertThat(copy.highWater()).isEqualTo(state.highWater());
    assertThat(copy.idempotency()).usingRecursiveComparison().isEqualTo(state.idempotency());
    assertThat(copy.idempotency().applied.get("h/3").complete(70)).isTrue();
    assertThat(copy.idempotency().applied.get("h/3").missing(200, 0, 5)).containsExactly(2, 5);
    assertThat(copy.stage().timers).isEqualTo(state.stage().timers);
    List<Record> next = List.of(new Record("ann", 5_500, Map.of("amount", 2L, "price", 9.5)),
        new Record("bob", 9_000, Map.of("amount", 4L, "price", 0.5)));
    assertThat(op.processBatch(copy.stage(), next)).isEqualTo(op.processBatch(state.stage(), next));
    assertThat(op.queryKey(copy.stage(), "ann").openWindows()).isEqualTo(op.queryKey(state.stage(), "ann").openWindows());
  }

  /** Java pipelines keep user values as neutral trees: process state, timers, accumulators, elements. */
  @Test
  void javaPipelineStatesRoundTripToTheSameBehaviour() {
    List<io.keyflow.pipeline.Pipeline> pipelines = List.of(
        io.keyflow.examples.CountWithTimeout.build("quiet"),
        io.keyflow.examples.LetterWindows.build("letters"),
        io.keyflow.pipeline.Pipeline.named("avg").keyBy(e -> e.string("user"))
            .window(io.keyflow.pipeline.EventTimeSessionWindows.withGap(Duration.ofSeconds(1)))
            .reduce((a, b) -> new Record(a.key(), b.ts(), Map.of("n", a.longValue("n") + b.longValue("n")))));
    for (var pipeline : pipelines) {
      var op = Operators.create(PipelineDefinition.of(pipeline), 0);
      KeyGroupState state = KeyGroupState.empty();
      List<Record> first = List.of(
          new Record("ann", 1_000, Map.of("user", "ann", "letter", "apple", "n", 1L, "ts", 1_000L, "tags", List.of("x", 2L))),
          new Record("ann", 1_500, Map.of("user", "ann", "letter", "avocado", "n", 2L, "ts", 1_500L)),
          new Record("bob", 800, Map.of("user", "bob", "letter", "banana", "n", 3L, "ts", 800L, "nested", Map.of("k", 1.5))));
      op.processBatch(state.stage(), first, 10_000).forEach(o -> state.outbox().put(o.seq(), o));
      KeyGroupState copy = roundTrip(state);
      List<Record> next = List.of(new Record("ann", 30_000, Map.of("user", "ann", "letter", "axe", "n", 4L, "ts", 30_000L)));
      assertThat(op.processBatch(copy.stage(), next, 20_000)).as(pipeline.name())
          .isEqualTo(op.processBatch(state.stage(), next, 20_000)).isNotEmpty();
      assertThat(op.queryKey(copy.stage(), "ann")).isEqualTo(op.queryKey(state.stage(), "ann"));
      assertThat(op.advanceWatermark(copy.stage(), 100_000)).isEqualTo(op.advanceWatermark(state.stage(), 100_000));
    }
  }

  @Test
  void aFrozenSnapshotRoundTripsToItsBytes() {
    var frozen = new FrozenSnapshotAdapter.FrozenState(33, "io.keyflow.persistence.KeyGroupState", new byte[] {1, 2, 3});
    assertJacksonCbor(frozen);
    var copy = roundTrip(frozen);
    assertThat(copy.serializerId()).isEqualTo(33);
    assertThat(copy.manifest()).isEqualTo(frozen.manifest());
    assertThat(copy.bytes()).containsExactly(1, 2, 3);
  }

  private static void assertJacksonCbor(Object message) {
    Serialization ser = SerializationExtension.get(testKit.system());
    assertThat(ser.findSerializerFor(message).getClass().getSimpleName()).isEqualTo("JacksonJsonSerializer".replace("Json", "Cbor"));
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    Serialization ser = SerializationExtension.get(testKit.system());
    byte[] bytes = ser.serialize(value).get();
    var serializer = ser.findSerializerFor(value);
    return (T) ser.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, value)).get();
  }
}
