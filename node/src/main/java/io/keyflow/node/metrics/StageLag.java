package io.keyflow.node.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The cluster's lag per pipeline stage, from every current node's {@link NodeFigures}. Event-time
 * lag: how far each key group's watermark is behind the highest event time any key group of the
 * stage has seen, on any node (a key group's own highest event time minus its watermark is always
 * the out-of-orderness bound, and the wall clock means nothing for replayed or old data); the stage's
 * lag is its slowest key group's. Processing lag: the worst per-second p99 any node reported in the
 * last {@code windowMillis} for records reaching their key group's state, and for fired results
 * reaching the results store and the next stage.
 */
public final class StageLag {

  /** A key group behind the stage's highest event time by {@code lagSeconds}, on {@code node}. */
  public record Slow(String node, int keyGroup, double lagSeconds) {}

  /** NaN where nothing is known (no event time yet, no sample in the window). */
  public record Row(String pipeline, String stage, int keyGroups, double lagSeconds, List<Slow> slowest,
      double appliedP99Ms, double writtenP99Ms, double forwardedP99Ms) {}

  /** Key groups listed per stage. */
  static final int SLOWEST = 5;

  private StageLag() {}

  private record Held(String node, double watermark, long reportedAt) {}

  private record StageId(String pipeline, String stage) {}

  private static final Comparator<StageId> ORDER =
      Comparator.comparing(StageId::pipeline).thenComparing(StageId::stage);

  private static final class Stage {
    int keyGroups;
    double maxEventTime = Double.NaN;
    /** Key group to its watermark as reported by the newest figures that list it. */
    final Map<Integer, Held> watermarks = new HashMap<>();
    double applied = Double.NaN;
    double written = Double.NaN;
    double forwarded = Double.NaN;
  }

  public static List<Row> of(Map<String, List<NodeFigures>> nodes, Set<String> current, long nowMillis, long windowMillis) {
    Map<StageId, Stage> stages = new TreeMap<>(ORDER);
    for (String node : current) {
      List<NodeFigures> series = nodes.getOrDefault(node, List.of());
      if (series.isEmpty()) {
        continue;
      }
      NodeFigures latest = series.get(series.size() - 1);
      for (StageFigures s : latest.stages()) {
        Stage stage = stages.computeIfAbsent(new StageId(s.pipeline(), s.stage()), k -> new Stage());
        stage.keyGroups += s.keyGroups();
        stage.maxEventTime = max(stage.maxEventTime, s.maxEventTimeSeconds());
        for (StageFigures.Watermark w : s.slowest()) {
          // A key group that just moved can be in the last figures of both nodes: the newer one holds it.
          stage.watermarks.merge(w.keyGroup(), new Held(node, w.seconds(), latest.atMillis()),
              (held, other) -> other.reportedAt() > held.reportedAt() ? other : held);
        }
      }
      for (NodeFigures f : series) {
        if (nowMillis - f.atMillis() > windowMillis) {
          continue;
        }
        for (StageFigures s : f.stages()) {
          Stage stage = stages.computeIfAbsent(new StageId(s.pipeline(), s.stage()), k -> new Stage());
          stage.applied = max(stage.applied, s.appliedP99Ms());
          stage.written = max(stage.written, s.writtenP99Ms());
          stage.forwarded = max(stage.forwarded, s.forwardedP99Ms());
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    stages.forEach((id, stage) -> {
      List<Slow> slow = new ArrayList<>();
      if (!Double.isNaN(stage.maxEventTime)) {
        stage.watermarks.forEach((keyGroup, held) -> slow.add(
            new Slow(held.node(), keyGroup, Math.max(0, stage.maxEventTime - held.watermark()))));
      }
      slow.sort(Comparator.comparingDouble(Slow::lagSeconds).reversed().thenComparingInt(Slow::keyGroup));
      rows.add(new Row(id.pipeline(), id.stage(), stage.keyGroups, slow.isEmpty() ? Double.NaN : slow.get(0).lagSeconds(),
          List.copyOf(slow.subList(0, Math.min(SLOWEST, slow.size()))), stage.applied, stage.written, stage.forwarded));
    });
    return rows;
  }

  /** The larger of two values where NaN means unknown. */
  private static double max(double a, double b) {
    return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
  }
}
