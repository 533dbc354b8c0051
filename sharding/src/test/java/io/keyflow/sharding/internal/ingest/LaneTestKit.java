package io.keyflow.sharding.internal.ingest;

import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.KeyGroupSharding;
import io.keyflow.sharding.ShardingSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.testkit.javadsl.TestEntityRef;

/**
 * Key groups played by test probes: each key group's batches arrive at its probe, and the test
 * answers them (or not). Every lookup of a key group's entity is recorded, one per attempt.
 */
final class LaneTestKit {

  static final PipelineDefinition CLICKS = PipelineDefinition.of(Pipeline.named("clicks").maxKeyGroups(8).keyBy("user")
      .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10))).aggregate(Aggregations.count("n")));

  final ActorTestKit testKit;
  private final Map<Integer, TestProbe<KeyGroupEntity.Command>> probes = new ConcurrentHashMap<>();
  /** The key groups asked, one entry per attempt, in order. */
  final List<Integer> asked = new CopyOnWriteArrayList<>();

  LaneTestKit(ActorTestKit testKit) {
    this.testKit = testKit;
  }

  static ShardingSettings settings(Duration askTimeout, Duration attemptTimeout, int maxRecordsPerEvent) {
    return new ShardingSettings(askTimeout, attemptTimeout, maxRecordsPerEvent, Duration.ofSeconds(2),
        Duration.ofSeconds(5), "rendezvous", 4, 1, false, Duration.ofSeconds(1));
  }

  static IngestMetrics metrics() {
    return new IngestMetrics(new SimpleMeterRegistry(), Map.of(), new IngestAdmission(1_000_000, 1_000_000),
        new LoadSignalSettings(Duration.ofSeconds(1), Duration.ofSeconds(10)));
  }

  GroupCommitter committer(ShardingSettings settings) {
    return new GroupCommitter(this::keyGroup, settings, metrics());
  }

  TestProbe<KeyGroupEntity.Command> probe(int keyGroup) {
    return probes.computeIfAbsent(keyGroup, kg -> testKit.createTestProbe());
  }

  private org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<KeyGroupEntity.Command> keyGroup(
      PipelineDefinition definition, int keyGroup) {
    asked.add(keyGroup);
    return TestEntityRef.of(KeyGroupSharding.typeKey(definition), String.valueOf(keyGroup), probe(keyGroup).ref());
  }

  /** The next batch asked of {@code keyGroup}. */
  KeyGroupEntity.ProcessBatch nextBatch(int keyGroup) {
    return probe(keyGroup).expectMessageClass(KeyGroupEntity.ProcessBatch.class, Duration.ofSeconds(5));
  }

  /** Answers every part of {@code batch} as applied in full, and every claim with {@code tickets}. */
  static void applyAll(KeyGroupEntity.ProcessBatch batch, int keyGroup, Idempotency.Ticket... tickets) {
    batch.replyTo().tell(new KeyGroupEntity.BatchAccepted(keyGroup,
        batch.parts().stream().map(p -> new KeyGroupEntity.PartOutcome(p.records().size(), 0, false)).toList(),
        List.of(tickets)));
  }

  static List<Record> records(String key, int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> new Record(key, i, Map.of("i", (double) i))).toList();
  }

  static Idempotency.Ticket ticket(String source, long seq) {
    return new Idempotency.Ticket(Idempotency.Verdict.NEW, source, seq, 1_000L);
  }
}
