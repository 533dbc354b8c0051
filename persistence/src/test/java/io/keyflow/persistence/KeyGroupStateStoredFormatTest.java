package io.keyflow.persistence;

import io.keyflow.pipeline.runner.Operators;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
import io.keyflow.pipeline.engine.StageState;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Snapshots written by earlier versions must stay readable. {@link KeyGroupState} is stored with
 * Jackson CBOR under its class name as manifest; the pipeline types it holds (stage state, windows,
 * accumulators, keyed state, outputs) are written as fields only, by property name. Moving or renaming
 * those pipeline classes is therefore safe as long as their properties and creators stay the same —
 * which this test proves by reading bytes written by the code of 2026-12 (before the pipeline module
 * was split into api, engine and internal packages) and comparing them with the state built today.
 *
 * <p>{@code -Dstored-format.update=true} rewrites the stored bytes; do that only for a deliberate,
 * migrated change of format, never to make this test pass.
 */
class KeyGroupStateStoredFormatTest {

  private static final String RESOURCE = "stored-format/key-group-state-v1.cbor.base64";
  /** The serializer id and manifest the snapshot rows of that version carry. */
  private static final int JACKSON_CBOR = 33;
  private static final String MANIFEST = "io.keyflow.persistence.KeyGroupState";

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSnapshotWrittenByTheEarlierLayoutReadsBackToTheSameState() throws IOException {
    KeyGroupState built = sampleState();
    Serialization ser = SerializationExtension.get(testKit.system());
    if (Boolean.getBoolean("stored-format.update")) {
      var serializer = ser.findSerializerFor(built);
      assertThat(serializer.identifier()).isEqualTo(JACKSON_CBOR);
      assertThat(Serializers.manifestFor(serializer, built)).isEqualTo(MANIFEST);
      Path file = Path.of("src/test/resources", RESOURCE);
      Files.createDirectories(file.getParent());
      Files.writeString(file, Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(ser.serialize(built).get()) + "\n");
    }
    byte[] stored = storedBytes();

    KeyGroupState read = (KeyGroupState) ser.deserialize(stored, JACKSON_CBOR, MANIFEST).get();

    assertThat(read).usingRecursiveComparison()
        .withEqualsForType((a, b) -> a.longValue() == b.longValue() && a.doubleValue() == b.doubleValue(), Number.class)
        .isEqualTo(built);
    assertThat(read.stage().windows).isNotEmpty();
    assertThat(read.stage().keyed).isNotEmpty();
    assertThat(read.outbox()).hasSizeGreaterThan(2);
    assertThat(ser.serialize(read).get()).as("written again byte for byte").isEqualTo(stored);
  }

  private static byte[] storedBytes() throws IOException {
    try (InputStream in = KeyGroupStateStoredFormatTest.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      assertThat(in).as(RESOURCE).isNotNull();
      return Base64.getMimeDecoder().decode(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
    }
  }

  /**
   * Every part of the stored shape at once: open and fired windows with built-in accumulators, a
   * reduced record and a process window function's elements, keyed state with a timer, an outbox with
   * a result, a side-output result and a late record, and the idempotency windows.
   */
  static KeyGroupState sampleState() {
    KeyGroupState state = KeyGroupState.empty();
    StageState stage = state.stage();
    PipelineDefinition windows = new PipelineDefinition("p", "main", "key", "ts", 100, 1_000, 128,
        WindowSpec.sliding(Duration.ofSeconds(2), Duration.ofSeconds(1)),
        List.of(Aggregation.count("n"), Aggregation.of("s", Aggregation.Function.SUM, "amount"),
            Aggregation.of("m", Aggregation.Function.MAX, "price")));
    StageOperator op = Operators.create(windows, 7);
    op.processBatch(stage, List.of(new Record("ann", 1_000, Map.of("amount", 5L, "price", 2.5)),
        new Record("bob", 1_200, Map.of("amount", 3L, "price", 1L))), 1_767_225_600_000L);
    op.processBatch(stage, List.of(new Record("ann", 4_000, Map.of("amount", 1L, "price", 1.0))), 1_767_225_601_000L)
        .forEach(o -> state.outbox().put(o.seq(), o));

    StageState reduced = new StageState();
    Operators.create(PipelineDefinition.of(io.keyflow.pipeline.Pipeline.named("r").keyBy(e -> e.string("user"))
            .window(io.keyflow.pipeline.EventTimeSessionWindows.withGap(Duration.ofSeconds(1)))
            .reduce((a, b) -> new Record(a.key(), b.ts(), Map.of("n", a.longValue("n") + b.longValue("n"))))
            ), 7)
        .processBatch(reduced, List.of(new Record("cid", 800, Map.of("user", "cid", "n", 3L, "ts", 800L))), 0);
    stage.windows.putAll(reduced.windows);

    StageState letters = new StageState();
    Operators.create(PipelineDefinition.of(io.keyflow.examples.LetterWindows.build("letters")), 7)
        .processBatch(letters, List.of(new Record("a", 1_000, Map.of("letter", "apple", "ts", 1_000L,
            "tags", List.of("x", 2L), "nested", Map.of("k", 1.5)))), 0);
    stage.windows.putAll(letters.windows);

    StageState quiet = new StageState();
    Operators.create(PipelineDefinition.of(io.keyflow.examples.CountWithTimeout.build("quiet")), 7)
        .processBatch(quiet, List.of(new Record("dan", 2_000, Map.of("user", "dan", "ts", 2_000L))), 5);
    stage.keyed.putAll(quiet.keyed);
    stage.timers.putAll(quiet.timers);

    state.outbox().put(97L, new Output(97, new WindowResult("eve", 0, 1_000, Map.of("n", 1L)), null, "alerts"));
    state.outbox().put(98L, new Output(98, null, new Record("ann", 10, Map.of("amount", 2L))));
    state.appliedIds().put("req-a#0", 10L);
    state.highWater().put("counts/3", 41L);
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
    state.idempotency().applied.put("h/3", applied);
    return state;
  }
}
