package io.keyflow.pipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.testkit.PipelineTestHarness;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineSignatureTest {

  private static Pipeline.WindowedStream windowed(int keyGroups, Duration size) {
    return Pipeline.named("p").maxKeyGroups(keyGroups).keyBy("key").window(TumblingEventTimeWindows.of(size));
  }

  private static PipelineSignature sig(Pipeline p) {
    return PipelineSignature.of(PipelineDefinition.of(p));
  }

  private static final PipelineSignature STORED =
      sig(windowed(128, Duration.ofSeconds(10)).aggregate(Aggregations.count("n").sum("amount", "amount")));

  @Test
  void roundTripsThroughItsTextForm() {
    assertThat(PipelineSignature.decode(STORED.encode())).isEqualTo(STORED);
  }

  @Test
  void latenessAndAppendedAggregationsAreCompatible() {
    var changed = windowed(128, Duration.ofSeconds(10)).allowedLateness(Duration.ofSeconds(5)).sideOutputLateData("late")
        .aggregate(Aggregations.count("n").sum("amount", "amount").max("top", "amount"));
    assertThat(sig(changed).incompatibilitiesWith(STORED)).isEmpty();
  }

  @Test
  void everyIncompatibleDifferenceIsNamed() {
    assertThat(sig(windowed(64, Duration.ofSeconds(5)).aggregate(Aggregations.count("n").max("amount", "amount")))
        .incompatibilitiesWith(STORED)).containsExactly(
            "max-key-groups changed from 128 to 64 (stored state is partitioned by it)",
            "window changed from tumbling size 10000 ms, offset 0 ms, event time to tumbling size 5000 ms, offset 0 ms, event time",
            "aggregation amount = sum(amount) changed to amount = max(amount)");
    assertThat(sig(windowed(128, Duration.ofSeconds(10)).aggregate(Aggregations.count("n"))).incompatibilitiesWith(STORED))
        .containsExactly("aggregation amount = sum(amount) was removed");
    assertThat(sig(windowed(128, Duration.ofSeconds(10)).aggregate(Aggregations.count("first").andCount("n").sum("amount", "amount")))
        .incompatibilitiesWith(STORED)).contains(
            "aggregation n = count moved; new aggregations must be appended after the stored ones");
    assertThat(sig(Pipeline.named("p").keyBy("key").process(new io.keyflow.examples.CountWithTimeout.CountWithTimeoutFunction()))
        .incompatibilitiesWith(STORED)).contains("stage function changed from aggregations to keyed-process");
  }

  @Test
  void anAppendedAggregationStartsEmptyInWindowsThatWereAlreadyOpen() {
    var before = windowed(4, Duration.ofSeconds(10)).aggregate(Aggregations.count("n"));
    var h = PipelineTestHarness.of(before);
    h.processElement(Map.of("key", "a", "ts", 1_000L, "v", 5L));
    var after = windowed(4, Duration.ofSeconds(10)).aggregate(Aggregations.count("n").sum("total", "v"));
    var restored = PipelineTestHarness.restore(after, h.snapshot());
    restored.processElement(Map.of("key", "a", "ts", 2_000L, "v", 7L));
    restored.processWatermark(9_999);
    assertThat(restored.results()).containsExactly(new WindowResult("a", 0, 10_000, Map.of("n", 2L, "total", 7L)));
  }
}
