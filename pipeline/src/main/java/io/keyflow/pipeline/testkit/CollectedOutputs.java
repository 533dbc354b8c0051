package io.keyflow.pipeline.testkit;

import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outputs a {@link PipelineTestHarness} has seen, kept apart from the harness's driving of key
 * groups so that each reads on its own: every output in the order produced, and per stage, with the
 * views a test asserts on (results, latest results, side outputs, late records).
 */
final class CollectedOutputs {

  private final List<Output> all = new ArrayList<>();
  private final List<List<Output>> byStage = new ArrayList<>();

  CollectedOutputs(int stages) {
    for (int s = 0; s < stages; s++) {
      byStage.add(new ArrayList<>());
    }
  }

  void add(int stage, List<Output> produced) {
    all.addAll(produced);
    byStage.get(stage).addAll(produced);
  }

  List<Output> all() {
    return List.copyOf(all);
  }

  /** The results (not side outputs, not late records) of stage number {@code stage}, in order. */
  List<WindowResult> results(int stage) {
    List<WindowResult> results = new ArrayList<>();
    for (Output o : byStage.get(stage)) {
      if (o.result() != null && o.tag() == null) {
        results.add(o.result());
      }
    }
    return results;
  }

  /** The latest of {@code results} per key and window, by key then window start. */
  static List<WindowResult> latest(List<WindowResult> results) {
    Map<String, WindowResult> latest = new TreeMap<>();
    for (WindowResult r : results) {
      latest.put(r.key() + '\u0000' + String.format("%020d", r.windowStart() - Long.MIN_VALUE), r);
    }
    return new ArrayList<>(latest.values());
  }

  List<WindowResult> sideOutput(String tag) {
    List<WindowResult> results = new ArrayList<>();
    for (Output o : all) {
      if (o.result() != null && tag.equals(o.tag())) {
        results.add(o.result());
      }
    }
    return results;
  }

  List<Record> lateRecords() {
    List<Record> late = new ArrayList<>();
    for (Output o : all) {
      if (o.holdsLateRecord()) {
        late.add(o.late());
      }
    }
    return late;
  }

  void clear() {
    all.clear();
    byStage.forEach(List::clear);
  }
}
