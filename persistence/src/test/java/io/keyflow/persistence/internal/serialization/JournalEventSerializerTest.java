package io.keyflow.persistence.internal.serialization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.Idempotency.KeyClaimed;
import io.keyflow.persistence.Idempotency.ProducerSeqClaimed;
import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.ForwardApplied;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.Record;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class JournalEventSerializerTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private final JournalEventSerializer serializer = new JournalEventSerializer();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void randomEventsRoundTripToEqualEventsWithTheSameValueTypes() throws Exception {
    Random random = new Random(7);
    for (int i = 0; i < 500; i++) {
      BatchApplied batch = randomBatch(random);
      assertThat(roundTrip(batch)).isEqualTo(batch);
      List<Forwarded> forwarded = new ArrayList<>();
      for (Record r : randomRecords(random)) {
        forwarded.add(new Forwarded(random.nextLong(), r));
      }
      ForwardApplied forward = new ForwardApplied(random.nextBoolean() ? "counts/" + i : null, forwarded,
          random.nextLong(), random.nextLong(), random.nextLong());
      assertThat(roundTrip(forward)).isEqualTo(forward);
    }
  }

  @Test
  void valueTypesSurviveExactly() throws Exception {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("big", Long.MAX_VALUE);
    fields.put("small", Long.MIN_VALUE);
    fields.put("nan", Double.NaN);
    fields.put("negZero", -0.0);
    fields.put("none", null);
    fields.put("text", "zoë ✓ 𝄞");
    fields.put("nested", Map.of("list", List.of(1L, 2.5, "x", List.of(), Map.of())));
    Record r = new Record("κλειδί", Long.MIN_VALUE, fields);
    Record back = ((BatchApplied) roundTrip(batchOf(List.of(r, new Record("k", Long.MAX_VALUE, Map.of())))))
        .parts().get(0).records().get(0);
    assertThat(back).isEqualTo(r);
    assertThat(back.fields().get("big")).isInstanceOf(Long.class);
    assertThat((Double) back.fields().get("negZero")).isEqualTo(-0.0);
    assertThat(Double.doubleToRawLongBits((Double) back.fields().get("negZero"))).isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(back.fields()).containsKey("none");
  }

  @Test
  void pekkoBindsTheRecordCarryingEventsToIt() {
    Serialization ser = SerializationExtension.get(testKit.system());
    assertThat(ser.findSerializerFor(batchOf(List.of()))).isInstanceOf(JournalEventSerializer.class);
    assertThat(ser.findSerializerFor(new ForwardApplied("s", List.of(), 1, 2, 3))).isInstanceOf(JournalEventSerializer.class);
    assertThat(ser.findSerializerFor(new KeyGroupEntity.WatermarkAdvanced(1, 2, 3)).getClass().getSimpleName())
        .isEqualTo("JacksonCborSerializer");
  }

  /** Rows written before the compact encoding name the CBOR serializer: they are still read. */
  @Test
  void eventsWrittenInCborBeforeAreStillRead() {
    Serialization ser = SerializationExtension.get(testKit.system());
    Serializer cbor = ser.findSerializerFor(new KeyGroupEntity.WatermarkAdvanced(0, 0, 0));
    BatchApplied event = clicksBatch(new Random(1), 20);
    byte[] old = cbor.toBinary(event);
    Object back = ser.deserialize(old, cbor.identifier(), Serializers.manifestFor(cbor, event)).get();
    assertThat(back).isEqualTo(event);
  }

  @Test
  void aClicksEventIsLessThanHalfItsCborSize() {
    Serialization ser = SerializationExtension.get(testKit.system());
    BatchApplied event = clicksBatch(new Random(3), 20);
    int cbor = ser.findSerializerFor(new KeyGroupEntity.WatermarkAdvanced(0, 0, 0)).toBinary(event).length;
    int compact = serializer.toBinary(event).length;
    System.out.printf("clicks event of 20 records: CBOR %d bytes, compact %d bytes%n", cbor, compact);
    assertThat(compact * 2).isLessThan(cbor);
  }

  @Test
  void corruptOrUnknownBytesFailLoudly() {
    byte[] good = serializer.toBinary(clicksBatch(new Random(5), 5));
    assertThatThrownBy(() -> serializer.fromBinary(Arrays.copyOf(good, good.length - 3), JournalEventSerializer.BATCH_APPLIED))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("corrupt journal event");
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> serializer.fromBinary(longer, JournalEventSerializer.BATCH_APPLIED))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("left after the event");
    assertThatThrownBy(() -> serializer.fromBinary(good, "B9"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("not known to this version");
  }

  @Test
  void aValueThatIsNotJsonLikeIsRefused() {
    Map<String, Object> fields = new HashMap<>();
    fields.put("when", new Object());
    // Record canonicalises numbers only; a foreign object reaches the serializer.
    BatchApplied event = batchOf(List.of(new Record("k", 1, fields)));
    assertThatThrownBy(() -> serializer.toBinary(event)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot be journaled");
  }

  private Object roundTrip(Object event) throws NotSerializableException {
    return serializer.fromBinary(serializer.toBinary(event), serializer.manifest(event));
  }

  private static BatchApplied batchOf(List<Record> records) {
    return new BatchApplied(List.of(new Part("req", records, "h/3", 9, 1_767_225_600_000L, 0, records.size())),
        4, 1_767_225_600_000L, 2, List.of(), List.of());
  }

  private static BatchApplied clicksBatch(Random random, int n) {
    List<Record> records = new ArrayList<>();
    long ts = 1_700_000_000_000L;
    for (int i = 0; i < n; i++) {
      ts += random.nextInt(20) - 5;
      records.add(new Record("u" + random.nextInt(10_000), ts, Map.of("amount", (long) (1 + random.nextInt(100)))));
    }
    return new BatchApplied(List.of(new Part("load-abc-17", records, "h/7", 17, 1_767_225_600_000L, 0, n)),
        12, 1_767_225_600_000L, 0, List.of(), List.of());
  }

  private static BatchApplied randomBatch(Random random) {
    List<Part> parts = new ArrayList<>();
    for (int p = random.nextInt(4); p > 0; p--) {
      parts.add(new Part(random.nextBoolean() ? "id-" + random.nextInt() : null, randomRecords(random),
          random.nextBoolean() ? "h/" + random.nextInt(128) : null, random.nextLong(), random.nextLong(),
          random.nextInt(), random.nextInt()));
    }
    List<KeyClaimed> keys = new ArrayList<>();
    for (int k = random.nextInt(3); k > 0; k--) {
      keys.add(new KeyClaimed("key-" + random.nextInt(), "f" + random.nextInt(), random.nextLong(), random.nextLong()));
    }
    List<ProducerSeqClaimed> producers = new ArrayList<>();
    for (int k = random.nextInt(3); k > 0; k--) {
      producers.add(new ProducerSeqClaimed("p" + random.nextInt(9), random.nextLong(), random.nextLong(),
          random.nextLong(), random.nextLong()));
    }
    return new BatchApplied(parts, random.nextLong(), random.nextLong(), random.nextLong(), keys, producers);
  }

  private static List<Record> randomRecords(Random random) {
    List<Record> records = new ArrayList<>();
    for (int r = random.nextInt(6); r > 0; r--) {
      Map<String, Object> fields = new LinkedHashMap<>();
      for (int f = random.nextInt(4); f > 0; f--) {
        fields.put("f" + random.nextInt(6), randomValue(random, 2));
      }
      records.add(new Record("k" + random.nextInt(50), random.nextLong(), fields));
    }
    return records;
  }

  private static Object randomValue(Random random, int depth) {
    int kind = random.nextInt(depth > 0 ? 8 : 6);
    return switch (kind) {
      case 0 -> null;
      case 1 -> random.nextBoolean();
      case 2 -> random.nextLong() >> random.nextInt(64);
      case 3 -> random.nextDouble() * 1e6 - 5e5;
      case 4 -> "s" + random.nextInt() + (random.nextBoolean() ? "é" : "");
      case 5 -> "";
      case 6 -> {
        List<Object> list = new ArrayList<>();
        for (int i = random.nextInt(3); i > 0; i--) {
          list.add(randomValue(random, depth - 1));
        }
        yield list;
      }
      default -> {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = random.nextInt(3); i > 0; i--) {
          map.put("m" + random.nextInt(5), randomValue(random, depth - 1));
        }
        yield map;
      }
    };
  }
}
