package io.keyflow.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.internal.serialization.JournalEventSerializer;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.internal.window.WindowOperator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Journals and snapshots written by earlier versions stay readable. {@code stored-formats.txt} holds,
 * for one representative of every type the journal and the snapshot store keep, the serializer id,
 * manifest and bytes that Pekko serialization wrote (as the journal does) at commit 5ab8bbf, before
 * the persistence packages were reorganised. Moving or renaming a stored type changes the manifest
 * Jackson writes (the class name); this test fails until the old name still resolves.
 *
 * <p>Regenerate only on purpose (a new stored format): {@code -Dkeyflow.write-stored-formats=true}.
 */
class StoredFormatsTest {

  private static final String RESOURCE = "stored-formats.txt";
  private static final int JACKSON_CBOR = 33;
  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final List<Record> RECORDS = List.of(
      new Record("ann", 1_000, Map.of("amount", 5L, "price", 2.5)), new Record("bob", -3, Map.of()));
  private static final long T = 1_767_225_600_000L;

  /** Name → a representative of every event and snapshot type kept in the journal or snapshot store. */
  private static Map<String, Object> samples() {
    Map<String, Object> samples = new LinkedHashMap<>();
    samples.put("BatchApplied", new KeyGroupEntity.BatchApplied(
        List.of(new KeyGroupEntity.Part("req", RECORDS, "h/3", 9, T, 0, 2),
            new KeyGroupEntity.Part("old#0", RECORDS, null, 0, 0, 0, 0)), 4, T, 2,
        List.of(new Idempotency.KeyClaimed("req", "f1", 9, T)),
        List.of(new Idempotency.ProducerSeqClaimed("p1", 2, 7, 10, T))));
    // Rows written before the compact encoding: Jackson CBOR, named by class (JournalEventSerializer).
    samples.put("BatchAppliedCbor", samples.get("BatchApplied"));
    samples.put("ForwardApplied", new KeyGroupEntity.ForwardApplied("counts/7",
        List.of(new KeyGroupEntity.Forwarded(12, RECORDS.get(0))), T, 3, 0));
    samples.put("WatermarkAdvanced", new KeyGroupEntity.WatermarkAdvanced(77, 1, 2));
    samples.put("ProcessingTimeAdvanced", new KeyGroupEntity.ProcessingTimeAdvanced(T, 3, 1));
    samples.put("SnapshotMarker", new KeyGroupEntity.SnapshotMarker("hand-off", 5, 4));
    samples.put("FrozenState", new FrozenSnapshotAdapter(testKit.system()).toJournal(state()));
    return samples;
  }

  /** A key group's state with every part filled: windows, outbox, legacy ids, high water, idempotency. */
  private static KeyGroupState state() {
    PipelineDefinition def = new PipelineDefinition("p", "main", "key", "ts", 100, 1_000, 128,
        WindowSpec.sliding(Duration.ofSeconds(2), Duration.ofSeconds(1)),
        List.of(Aggregation.count("n"), Aggregation.of("s", Aggregation.Function.SUM, "amount")));
    WindowOperator op = new WindowOperator(def);
    KeyGroupState state = KeyGroupState.empty();
    state.appliedIds().put("req-a#0", 10L);
    state.highWater().put("counts/3", 41L);
    state.idempotency().latestAppliedAt = T;
    state.idempotency().nextSeq = 12;
    state.idempotency().claims.put("req-c", new IdempotencyState.KeyTicket("f1", 11, T - 100_000));
    ProducerWindow producer = new ProducerWindow();
    producer.epoch = 2;
    producer.floor = 3;
    producer.seqs.put(5L, new ProducerWindow.Ticketed(10, T - 200_000));
    state.idempotency().producers.put("p1", producer);
    SeqWindow applied = new SeqWindow();
    applied.record(70, 0, 4, 4, T - 200_000, 1_000);
    applied.record(200, 0, 2, 5, T - 100_000, 1_000);
    state.idempotency().applied.put("h/3", applied);
    op.processBatch(state.stage(), RECORDS);
    op.processBatch(state.stage(), List.of(new Record("ann", 5_000, Map.of("amount", 1L))))
        .forEach(o -> state.outbox().put(o.seq(), o));
    return state;
  }

  @Test
  void everyStoredTypeWrittenBeforeIsReadToAnEqualValue() throws IOException {
    Serialization ser = SerializationExtension.get(testKit.system());
    if (Boolean.getBoolean("keyflow.write-stored-formats")) {
      write(ser);
    }
    Map<String, Object> samples = samples();
    List<String> lines = lines();
    assertThat(lines).hasSize(samples.size());
    for (String line : lines) {
      String[] f = line.split(" ", 4);
      Object read = ser.deserialize(Base64.getDecoder().decode(f[3]), Integer.parseInt(f[1]), f[2]).get();
      Object expected = samples.get(f[0]);
      if (read instanceof FrozenSnapshotAdapter.FrozenState) {
        FrozenSnapshotAdapter adapter = new FrozenSnapshotAdapter(testKit.system());
        assertThat(adapter.fromJournal(read)).as(f[0]).usingRecursiveComparison()
            .isEqualTo(adapter.fromJournal(expected));
      } else {
        assertThat(read).as(f[0]).isEqualTo(expected);
      }
    }
  }

  /**
   * What this version writes is what was written before: the same serializer and manifest for every
   * stored type (a moved or renamed class would change the manifest), and for the Jackson ones the
   * same JSON tree (compared as trees: field order of hash maps varies between runs).
   */
  @Test
  void everyStoredTypeIsWrittenAsBefore() throws IOException {
    Serialization ser = SerializationExtension.get(testKit.system());
    ObjectMapper cbor = new ObjectMapper(new CBORFactory());
    Map<String, Object> samples = samples();
    for (String line : lines()) {
      String[] f = line.split(" ", 4);
      Object sample = samples.get(f[0]);
      Serializer serializer = f[0].endsWith("Cbor")
          ? ser.findSerializerFor(new KeyGroupEntity.WatermarkAdvanced(0, 0, 0))
          : ser.findSerializerFor(sample);
      assertThat(serializer.identifier()).as(f[0]).isEqualTo(Integer.parseInt(f[1]));
      assertThat(Serializers.manifestFor(serializer, sample)).as(f[0]).isEqualTo(f[2]);
      if (serializer.identifier() != JACKSON_CBOR) {
        continue;
      }
      byte[] before = Base64.getDecoder().decode(f[3]);
      if (sample instanceof FrozenSnapshotAdapter.FrozenState now) {
        var old = (FrozenSnapshotAdapter.FrozenState) ser.deserialize(before, JACKSON_CBOR, f[2]).get();
        assertThat(now.manifest()).as(f[0]).isEqualTo(old.manifest());
        assertThat(cbor.readTree(now.bytes())).as(f[0]).isEqualTo(cbor.readTree(old.bytes()));
      } else {
        assertThat(cbor.readTree(serializer.toBinary(sample))).as(f[0]).isEqualTo(cbor.readTree(before));
      }
    }
  }

  private static List<String> lines() throws IOException {
    try (InputStream in = StoredFormatsTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      assertThat(in).as(RESOURCE).isNotNull();
      List<String> lines = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          lines.add(line);
        }
      }
      return lines;
    }
  }

  private static void write(Serialization ser) throws IOException {
    StringBuilder out = new StringBuilder(
        "# name serializer-id manifest base64-bytes, as written at 5ab8bbf (StoredFormatsTest)\n");
    for (var sample : samples().entrySet()) {
      var serializer = sample.getKey().endsWith("Cbor")
          ? ser.findSerializerFor(new KeyGroupEntity.WatermarkAdvanced(0, 0, 0))
          : ser.findSerializerFor(sample.getValue());
      out.append(sample.getKey()).append(' ').append(serializer.identifier()).append(' ')
          .append(Serializers.manifestFor(serializer, sample.getValue())).append(' ')
          .append(Base64.getEncoder().encodeToString(serializer.toBinary(sample.getValue()))).append('\n');
    }
    Files.writeString(Path.of("src/test/resources", RESOURCE), out.toString());
  }
}
