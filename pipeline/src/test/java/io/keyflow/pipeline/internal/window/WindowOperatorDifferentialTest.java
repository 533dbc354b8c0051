package io.keyflow.pipeline.internal.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The window operator against a deliberately naive model of Flink's event-time rules, over thousands
 * of random streams: keys, out-of-order timestamps (some exactly at window end − 1 and end), random
 * explicit watermarks, records beyond the allowed lateness, idle key groups whose watermark advances
 * with processing time. The model keeps raw records per window and recomputes every aggregate from
 * scratch; it shares no code with the operator.
 */
class WindowOperatorDifferentialTest {

  /** A window of the model: its bounds, its raw values, whether it fired. */
  private static final class NaiveWindow {
    final String key;
    long start;
    long end;
    final List<Long> values = new ArrayList<>();
    boolean fired;

    NaiveWindow(String key, long start, long end) {
      this.key = key;
      this.start = start;
      this.end = end;
    }

    Map<String, Object> aggregate() {
      long sum = 0;
      long min = Long.MAX_VALUE;
      long max = Long.MIN_VALUE;
      for (long v : values) {
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      Map<String, Object> out = new HashMap<>();
      out.put("n", (long) values.size());
      out.put("sum", sum);
      out.put("min", min);
      out.put("max", max);
      out.put("avg", sum / (double) values.size());
      return out;
    }
  }

  /** Brute force: a flat list of live windows, scanned in full at every step. */
  private static final class NaiveModel {
    final WindowSpec spec;
    final long bound;
    final long lateness;
    final List<NaiveWindow> live = new ArrayList<>();
    final Map<String, Map<String, Object>> latest = new TreeMap<>();
    long watermark = Long.MIN_VALUE;
    long maxTs = Long.MIN_VALUE;
    long late;
    final long idleTimeout;
    long lastInput = Long.MIN_VALUE;
    long idleUpTo = Long.MIN_VALUE;

    NaiveModel(WindowSpec spec, long bound, long lateness, long idleTimeout) {
      this.spec = spec;
      this.bound = bound;
      this.lateness = lateness;
      this.idleTimeout = idleTimeout;
    }

    /**
     * Keyflow's idleness: once no record came for idleTimeout, while windows are open, each
     * processing-time step moves the watermark by the processing time elapsed since the idle period
     * began (or since the last such step).
     */
    void processingTime(long now) {
      if (idleTimeout == 0 || lastInput == Long.MIN_VALUE || watermark == Long.MIN_VALUE || live.isEmpty()) {
        return;
      }
      long from = Math.max(lastInput + idleTimeout, idleUpTo);
      if (now > from) {
        idleUpTo = now;
        advance(watermark + (now - from));
      }
    }

    boolean windowLate(long end) {
      return end - 1 + lateness <= watermark;
    }

    void batch(List<Record> records) {
      Set<NaiveWindow> refire = new HashSet<>();
      for (Record r : records) {
        maxTs = Math.max(maxTs, r.ts());
        long v = r.field("v").longValue();
        boolean accepted = false;
        if (spec instanceof WindowSpec.Session s) {
          long start = r.ts();
          long end = r.ts() + s.gapMillis();
          List<NaiveWindow> merge = new ArrayList<>();
          boolean grew = true;
          while (grew) {
            grew = false;
            for (NaiveWindow w : live) {
              if (w.key.equals(r.key()) && !merge.contains(w) && w.start <= end && w.end >= start) {
                merge.add(w);
                start = Math.min(start, w.start);
                end = Math.max(end, w.end);
                grew = true;
              }
            }
          }
          if (!windowLate(end)) {
            NaiveWindow merged = new NaiveWindow(r.key(), start, end);
            for (NaiveWindow w : merge) {
              merged.values.addAll(w.values);
              live.remove(w);
              refire.remove(w);
            }
            merged.values.add(v);
            live.add(merged);
            if (end - 1 <= watermark) {
              refire.add(merged);
            }
            accepted = true;
          }
        } else {
          long size = spec instanceof WindowSpec.Tumbling t ? t.sizeMillis() : ((WindowSpec.Sliding) spec).sizeMillis();
          long slide = spec instanceof WindowSpec.Tumbling t ? t.sizeMillis() : ((WindowSpec.Sliding) spec).slideMillis();
          for (long start = Math.floorDiv(r.ts(), slide) * slide; start > r.ts() - size; start -= slide) {
            long end = start + size;
            if (windowLate(end)) {
              continue;
            }
            NaiveWindow window = null;
            for (NaiveWindow w : live) {
              if (w.key.equals(r.key()) && w.start == start) {
                window = w;
              }
            }
            if (window == null) {
              window = new NaiveWindow(r.key(), start, end);
              live.add(window);
            }
            window.values.add(v);
            if (end - 1 <= watermark) {
              refire.add(window);
            }
            accepted = true;
          }
        }
        if (!accepted) {
          late++;
        }
      }
      for (NaiveWindow w : refire) {
        w.fired = true;
        latest.put(w.key + "@" + w.start + "-" + w.end, w.aggregate());
      }
      if (maxTs != Long.MIN_VALUE) {
        advance(maxTs - bound - 1);
      }
    }

    void advance(long wm) {
      if (wm <= watermark) {
        return;
      }
      watermark = wm;
      for (NaiveWindow w : List.copyOf(live)) {
        if (!w.fired && w.end - 1 <= watermark) {
          w.fired = true;
          latest.put(w.key + "@" + w.start + "-" + w.end, w.aggregate());
        }
        if (windowLate(w.end)) {
          live.remove(w);
        }
      }
    }
  }

  private static final List<Aggregation> AGGREGATIONS = List.of(
      Aggregation.count("n"), Aggregation.of("sum", Aggregation.Function.SUM, "v"),
      Aggregation.of("min", Aggregation.Function.MIN, "v"), Aggregation.of("max", Aggregation.Function.MAX, "v"),
      Aggregation.of("avg", Aggregation.Function.AVG, "v"));

  @Test
  void tumblingWindowsMatchTheNaiveModel() {
    runMany(seed -> new WindowSpec.Tumbling(1_000 + 500L * (seed % 4), 0));
  }

  @Test
  void slidingWindowsMatchTheNaiveModel() {
    runMany(seed -> new WindowSpec.Sliding(2_000, 500L * (1 + seed % 4), 0));
  }

  @Test
  void sessionWindowsMatchTheNaiveModel() {
    runMany(seed -> new WindowSpec.Session(300 + 200L * (seed % 5)));
  }

  private void runMany(java.util.function.LongFunction<WindowSpec> windows) {
    int streams = 0;
    long lateSeen = 0;
    for (long seed = 0; seed < 1_500; seed++) {
      long lateness = seed % 3 == 0 ? 0 : 400L * (seed % 3);
      long bound = 100L * (seed % 5);
      lateSeen += runOne(seed, windows.apply(seed), bound, lateness);
      streams++;
    }
    assertThat(streams).isEqualTo(1_500);
    assertThat(lateSeen).as("the streams exercise late records").isPositive();
    assertThat(idleAdvances).as("the streams exercise idleness").isPositive();
  }

  private long runOne(long seed, WindowSpec spec, long bound, long lateness) {
    Random random = new Random(seed);
    long idleTimeout = seed % 4 == 1 ? 300 + random.nextInt(700) : 0;
    var definition = new PipelineDefinition("p", "main", "key", "ts", bound, lateness, 128, spec, AGGREGATIONS,
        null, idleTimeout);
    var operator = new WindowOperator(definition);
    var state = new StageState();
    var model = new NaiveModel(spec, bound, lateness, idleTimeout);
    long processingTime = 1_000_000;
    Map<String, Map<String, Object>> fromOperator = new TreeMap<>();
    long clock = random.nextInt(1_000);
    int steps = 5 + random.nextInt(25);
    for (int step = 0; step < steps; step++) {
      processingTime += random.nextInt(400);
      if (random.nextInt(5) == 0) {
        model.processingTime(processingTime);
        collect(operator.advanceProcessingTime(state, processingTime), fromOperator);
        continue;
      }
      if (random.nextInt(8) == 0) {
        long wm = clock - random.nextInt(3_000);
        model.advance(wm);
        collect(operator.advanceWatermark(state, wm), fromOperator);
        continue;
      }
      List<Record> batch = new ArrayList<>();
      int size = 1 + random.nextInt(12);
      for (int i = 0; i < size; i++) {
        clock += random.nextInt(250);
        long ts = clock - random.nextInt(2_500);
        if (random.nextInt(6) == 0) {
          ts = ts - Math.floorMod(ts, 1_000) + (random.nextBoolean() ? 999 : 1_000); // end − 1 / end
        }
        batch.add(new Record("k" + random.nextInt(4), ts, Map.of("v", (long) random.nextInt(100) - 20)));
      }
      model.batch(batch);
      model.lastInput = processingTime;
      collect(operator.processBatch(state, batch, processingTime), fromOperator);
    }
    assertThat(fromOperator).as("seed %d, %s, bound %d, lateness %d", seed, spec, bound, lateness)
        .isEqualTo(model.latest);
    assertThat(state.lateRecordsDropped).as("late records, seed %d", seed).isEqualTo(model.late);
    assertThat(state.watermark).isEqualTo(model.watermark);
    if (model.idleUpTo != Long.MIN_VALUE) {
      idleAdvances++;
    }
    return model.late;
  }

  private long idleAdvances;

  private static void collect(List<Output> outputs, Map<String, Map<String, Object>> into) {
    for (Output o : outputs) {
      WindowResult r = o.result();
      into.put(r.key() + "@" + r.windowStart() + "-" + r.windowEnd(), new HashMap<>(r.values()));
    }
  }
}
