package io.keyflow.loadtests.bench;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.keyflow.examples.CountWithTimeout;
import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.EventTimeSessionWindows;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import io.keyflow.pipeline.WatermarkStrategy;
import io.keyflow.pipeline.testkit.PipelineTestHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Throughput of the pure operator core on one thread (records/s), and the size of a key group's
 * snapshot per 10,000 keys (Jackson CBOR of the stage state, as the runtime stores it). A plain timed
 * loop with warm-up rounds; figures are reported, never asserted.
 *
 * <p>It drives the core step only through the public {@link PipelineTestHarness} (one key group, so one
 * operator and one state, processing time 0, as the runtime's step): each batch goes in with
 * {@code processRecords}, and the outputs it produced are counted and then forgotten. The harness adds
 * what the runtime's routing adds, the key group of each record, and nothing that grows with the run.
 * The snapshot size is that of the harness's snapshot: the key group's state in the neutral form
 * {@code StateCodec} gives it, a little larger than Jackson's CBOR of the stage state itself (by 0.2% to
 * 1.6% for these four pipelines, compared on 2026-12-07), because load-tests sees only the public API.
 *
 * <pre>bin/keyflow bench core [--records N] [--keys N] [--rounds N]</pre>
 */
public final class CoreBench {

  private CoreBench() {}

  public static void main(String[] args) throws Exception {
    int records = 1_000_000;
    int keys = 10_000;
    int rounds = 5;
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--records" -> records = Integer.parseInt(args[i + 1]);
        case "--keys" -> keys = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Map<String, Pipeline> pipelines = new java.util.LinkedHashMap<>();
    var keyed = (java.util.function.Supplier<Pipeline.KeyedStream>) () -> Pipeline.named("bench").maxKeyGroups(1)
        .keyBy("key").eventTime("ts", WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(2)));
    pipelines.put("tumbling-10s-count", keyed.get().window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .aggregate(Aggregations.count("n")));
    pipelines.put("tumbling-10s-count-sum-max", keyed.get().window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
        .aggregate(Aggregations.count("n").sum("s", "v").max("m", "v")));
    pipelines.put("session-5s-count", keyed.get().window(EventTimeSessionWindows.withGap(Duration.ofSeconds(5)))
        .aggregate(Aggregations.count("n")));
    pipelines.put("keyed-process-count-with-timeout", Pipeline.named("bench").maxKeyGroups(1).keyBy("key")
        .eventTime("ts", WatermarkStrategy.boundedOutOfOrderness(Duration.ofSeconds(2)))
        .process(new CountWithTimeout.CountWithTimeoutFunction()));

    List<List<Record>> batches = stream(records, keys, 500, new Random(42));
    System.out.printf("core throughput, one thread, %,d records over %,d keys in batches of 500, event time advancing"
        + " 1 s per 1,000 records with up to 1.5 s disorder (%s)%n", records, keys, Runtime.version());
    for (var e : pipelines.entrySet()) {
      double best = 0;
      long outputs = 0;
      for (int round = 0; round < rounds + 1; round++) {
        PipelineTestHarness core = PipelineTestHarness.of(e.getValue());
        long t0 = System.nanoTime();
        long produced = 0;
        for (List<Record> batch : batches) {
          core.processRecords(batch);
          produced += core.outputs().size();
          core.clearOutputs();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (round > 0) { // round 0 warms up
          best = Math.max(best, records / seconds);
          outputs = produced;
        }
      }
      System.out.printf("  %-34s %,12.0f records/s (best of %d)  %,d outputs%n", e.getKey(), best, rounds, outputs);
    }

    CBORMapper cbor = new CBORMapper();
    cbor.setVisibility(PropertyAccessor.ALL, JsonAutoDetect.Visibility.NONE);
    // The harness's snapshot keeps its trees in private fields.
    cbor.setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);
    System.out.println("snapshot size (Jackson CBOR of one key group's stage state) with 10,000 keys:");
    for (var e : pipelines.entrySet()) {
      PipelineTestHarness core = PipelineTestHarness.of(e.getValue());
      List<Record> one = new ArrayList<>();
      for (int k = 0; k < 10_000; k++) {
        one.add(new Record("user-" + k, 1_000 + k % 500, Map.of("v", (long) k)));
      }
      core.processRecords(one);
      byte[] bytes = cbor.writeValueAsBytes(core.snapshot());
      System.out.printf("  %-34s %,10d bytes (%.1f bytes/key)%n", e.getKey(), bytes.length, bytes.length / 10_000.0);
    }
  }

  private static List<List<Record>> stream(int records, int keys, int batchSize, Random random) {
    List<List<Record>> batches = new ArrayList<>();
    List<Record> batch = new ArrayList<>(batchSize);
    for (int i = 0; i < records; i++) {
      long ts = 1_000_000L + i - random.nextInt(1_500);
      batch.add(new Record("user-" + random.nextInt(keys), ts, Map.of("v", (long) random.nextInt(1_000))));
      if (batch.size() == batchSize) {
        batches.add(batch);
        batch = new ArrayList<>(batchSize);
      }
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    return batches;
  }
}
