package io.keyflow.persistence.internal.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.KeyGroupEntity.BatchAccepted;
import io.keyflow.persistence.KeyGroupEntity.ForwardAccepted;
import io.keyflow.persistence.KeyGroupEntity.ForwardBatch;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity.ProcessBatch;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.Record;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RecordMessageSerializerTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void randomBatchesRoundTripToEqualMessagesWithTheSameReplyAddress() throws Exception {
    TestProbe<BatchAccepted> batchProbe = testKit.createTestProbe();
    TestProbe<ForwardAccepted> forwardProbe = testKit.createTestProbe();
    Random random = new Random(11);
    for (int i = 0; i < 300; i++) {
      List<Part> parts = new ArrayList<>();
      for (int p = random.nextInt(4); p > 0; p--) {
        parts.add(new Part(random.nextBoolean() ? "req-" + i : null, records(random),
            random.nextBoolean() ? "h/" + random.nextInt(128) : "n/" + i, random.nextLong(), random.nextLong(),
            random.nextInt(1_000), random.nextInt(5_000)));
      }
      List<Claim> claims = new ArrayList<>();
      for (int c = random.nextInt(3); c > 0; c--) {
        claims.add(random.nextBoolean() ? Claim.byKey("key-" + random.nextInt(), "fp" + random.nextInt(), random.nextLong())
            : Claim.byProducer("producer-é-" + random.nextInt(9), random.nextLong(), random.nextLong()));
      }
      ProcessBatch batch = new ProcessBatch(parts, claims, batchProbe.ref());
      assertThat(roundTrip(batch)).isEqualTo(batch);

      List<Forwarded> forwarded = new ArrayList<>();
      for (Record r : records(random)) {
        forwarded.add(new Forwarded(random.nextLong(), r));
      }
      ForwardBatch forward = new ForwardBatch("counts/" + i, forwarded, forwardProbe.ref());
      assertThat(roundTrip(forward)).isEqualTo(forward);
    }
  }

  @Test
  void theReplyAddressStillReachesTheAskerAfterTheRoundTrip() throws Exception {
    TestProbe<BatchAccepted> probe = testKit.createTestProbe();
    ProcessBatch copy = roundTrip(new ProcessBatch(List.of(), List.of(), probe.ref()));
    BatchAccepted answer = new BatchAccepted(3, List.of(), List.of());
    copy.replyTo().tell(answer);
    probe.expectMessage(answer);
  }

  @Test
  void recordsAreSmallerThanInJacksonCbor() throws Exception {
    Serialization ser = SerializationExtension.get(testKit.system());
    List<Record> records = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      records.add(new Record("user-" + i, 1_767_225_600_000L + i, Map.of("amount", (long) i, "user", "user-" + i)));
    }
    TestProbe<BatchAccepted> probe = testKit.createTestProbe();
    ProcessBatch batch = new ProcessBatch(List.of(new Part("req", records, "h/3", 9, 1, 0, 20)), List.of(), probe.ref());
    byte[] compact = ser.serialize(batch).get();
    // The same parts as Jackson CBOR wrote them (the journal event that carries them, which has no actor ref).
    byte[] cbor = ser.serializerFor(KeyGroupEntity.AdvanceWatermark.class)
        .toBinary(new KeyGroupEntity.BatchApplied(batch.parts(), 0, 0, 0, List.of(), List.of()));
    assertThat(compact.length).isLessThan(cbor.length / 2);
  }

  @Test
  void anUnknownLayoutOrATruncatedMessageFailsLoudly() {
    Serialization ser = SerializationExtension.get(testKit.system());
    TestProbe<BatchAccepted> probe = testKit.createTestProbe();
    ProcessBatch batch = new ProcessBatch(List.of(new Part("req", records(new Random(1)), "h/3", 9, 1, 0, 3)),
        List.of(Claim.byKey("k", "f", 0)), probe.ref());
    RecordMessageSerializer serializer = (RecordMessageSerializer) ser.findSerializerFor(batch);
    byte[] bytes = serializer.toBinary(batch);
    assertThatThrownBy(() -> serializer.fromBinary(bytes, "P9"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("not known");
    assertThatThrownBy(() -> serializer.fromBinary(Arrays.copyOf(bytes, bytes.length - 1), RecordMessageSerializer.PROCESS_BATCH))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("corrupt");
  }

  private static List<Record> records(Random random) {
    List<Record> records = new ArrayList<>();
    for (int r = random.nextInt(5); r > 0; r--) {
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("amount", random.nextLong());
      if (random.nextBoolean()) {
        fields.put("price", random.nextDouble());
      }
      if (random.nextBoolean()) {
        fields.put("tags", List.of("a", 1L, Map.of("x", true)));
      }
      fields.put("note", random.nextBoolean() ? null : "ü" + random.nextInt());
      records.add(new Record("key-" + random.nextInt(50), random.nextLong() >> 8, fields));
    }
    return records;
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) {
    Serialization ser = SerializationExtension.get(testKit.system());
    byte[] bytes = ser.serialize(value).get();
    var serializer = ser.findSerializerFor(value);
    assertThat(serializer).isInstanceOf(RecordMessageSerializer.class);
    return (T) ser.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, value)).get();
  }
}
