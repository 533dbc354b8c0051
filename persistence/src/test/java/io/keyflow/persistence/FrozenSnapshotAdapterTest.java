package io.keyflow.persistence;

import io.keyflow.pipeline.runner.Operators;
import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FrozenSnapshotAdapterTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void changesToTheLiveStateAfterASnapshotDoNotReachTheSnapshot() {
    var definition = new PipelineDefinition("p", "main", "key", "ts", 0, 0, 128,
        WindowSpec.tumbling(Duration.ofSeconds(10)), List.of(Aggregation.count("n")));
    var operator = Operators.create(definition, 0);
    var adapter = new FrozenSnapshotAdapter(testKit.system());
    KeyGroupState state = KeyGroupState.empty();
    operator.processBatch(state.stage(), List.of(new Record("a", 1_000, Map.of())));
    state.appliedIds().put("r#0", 1L);

    Object snapshot = adapter.toJournal(state);
    operator.processBatch(state.stage(), List.of(new Record("a", 2_000, Map.of()), new Record("b", 3_000, Map.of())));
    state.appliedIds().put("r#1", 2L);

    KeyGroupState restored = adapter.fromJournal(snapshot);
    assertThat(restored.stage().recordsApplied).isEqualTo(1);
    assertThat(restored.appliedIds()).containsOnlyKeys("r#0");
    assertThat(operator.queryKey(restored.stage(), "a").openWindows().get(0).values()).containsEntry("n", 1L);
    assertThat(state.stage().recordsApplied).isEqualTo(3);
  }

  @Test
  void theSizeObserverLearnsTheBytesOfEachSnapshot() {
    var sizes = new java.util.ArrayList<Integer>();
    var adapter = new FrozenSnapshotAdapter(testKit.system(), sizes::add);
    KeyGroupState state = KeyGroupState.empty();
    var frozen = (FrozenSnapshotAdapter.FrozenState) adapter.toJournal(state);
    state.appliedIds().put("a-much-longer-request-id#0", 1L);
    var bigger = (FrozenSnapshotAdapter.FrozenState) adapter.toJournal(state);
    assertThat(sizes).containsExactly(frozen.bytes().length, bigger.bytes().length);
    assertThat(sizes.get(1)).isGreaterThan(sizes.get(0));
  }
}
