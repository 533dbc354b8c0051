package io.keyflow.node.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keyflow.node.metrics.FigureHistory;
import io.keyflow.node.metrics.NodeFigures;
import io.keyflow.node.metrics.StageLag;
import io.keyflow.persistence.results.CassandraResultsStore;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.Aggregation;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.WindowSpec;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.ClusterView;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The JSON shapes of the HTTP API (README.md, "HTTP API"; pinned byte for byte by JsonViewsGoldenTest). */
public final class JsonViews {

  /** The processing lags of {@code /v1/cluster/figures} are the worst second of this long. */
  private static final long STAGE_LAG_WINDOW_MILLIS = 10_000;

  public static final ObjectMapper MAPPER = new ObjectMapper();

  private JsonViews() {}

  public static ObjectNode error(String message, Integer line) {
    ObjectNode node = MAPPER.createObjectNode().put("error", message);
    if (line != null) {
      node.put("line", line);
    }
    return node;
  }

  public static ArrayNode results(List<WindowResult> results) {
    ArrayNode array = MAPPER.createArrayNode();
    for (WindowResult r : results) {
      array.add(result(r));
    }
    return array;
  }

  public static ObjectNode result(WindowResult r) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("key", r.key());
    node.put("window_start", r.windowStart());
    node.put("window_end", r.windowEnd());
    node.set("values", MAPPER.valueToTree(r.values()));
    return node;
  }

  /** Late records in the shape of the events they came from: key field, time field, numeric fields. */
  public static ArrayNode lateRecords(PipelineDefinition p, List<CassandraResultsStore.LateRecord> late) {
    ArrayNode array = MAPPER.createArrayNode();
    for (CassandraResultsStore.LateRecord l : late) {
      ObjectNode event = array.addObject();
      event.put(p.keyField(), l.record().key());
      event.put(p.timeField(), l.record().ts());
      l.record().fields().forEach((name, value) -> event.set(name, MAPPER.valueToTree(value)));
    }
    return array;
  }

  public static ObjectNode keyState(KeyGroupEntity.KeyStateView view) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("key", view.key());
    node.put("key_group", view.keyGroup());
    if (view.watermark() == Long.MIN_VALUE) {
      node.putNull("watermark");
    } else {
      node.put("watermark", view.watermark());
    }
    node.set("windows", results(view.openWindows()));
    node.put("key_group_records", view.keyGroupRecords());
    node.put("key_group_late_records_dropped", view.keyGroupLateRecordsDropped());
    if (!view.state().isEmpty()) {
      node.set("state", MAPPER.valueToTree(view.state()));
    }
    if (view.keyGroupFunctionErrors() > 0) {
      node.put("key_group_function_errors", view.keyGroupFunctionErrors());
      node.put("last_function_error", view.lastFunctionError());
    }
    return node;
  }

  public static ObjectNode pipeline(PipelineDefinition p) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("name", p.name());
    ArrayNode stages = node.putArray("stages");
    p.stages().forEach(s -> stages.add(s.stage()));
    if (p.next() != null) {
      ArrayNode details = node.putArray("stage_details");
      p.stages().forEach(s -> details.add(pipeline(s.withNext(null))));
    }
    node.put("key_field", p.keyField());
    node.put("time_field", p.timeField());
    node.put("max_out_of_orderness_ms", p.maxOutOfOrderness());
    node.put("allowed_lateness_ms", p.allowedLateness());
    if (p.lateOutput() != null) {
      node.put("late_output", p.lateOutput());
    }
    node.put("idle_timeout_ms", p.idleTimeout());
    node.put("max_key_groups", p.maxKeyGroups());
    var functions = p.functions();
    if (functions != null) {
      String kind = functions.process() != null ? "keyed-process"
          : functions.processWindow() != null ? "process-window"
          : functions.aggregate() != null ? "aggregate-function"
          : functions.reduce() != null ? "reduce" : "aggregations";
      node.put("function", kind);
      Object fn = functions.process() != null ? functions.process() : functions.processWindow() != null
          ? functions.processWindow() : functions.aggregate();
      if (fn != null) {
        node.put("function_class", fn.getClass().getName());
      }
    }
    if (p.window() == null) {
      node.putNull("window");
      node.putArray("aggregations");
      return node;
    }
    ObjectNode window = node.putObject("window");
    window.put("time", p.processingTime() ? "processing" : "event");
    if (p.window() instanceof WindowSpec.Tumbling t) {
      window.put("type", "tumbling").put("size_ms", t.sizeMillis()).put("offset_ms", t.offsetMillis());
    } else if (p.window() instanceof WindowSpec.Sliding s) {
      window.put("type", "sliding").put("size_ms", s.sizeMillis()).put("slide_ms", s.slideMillis())
          .put("offset_ms", s.offsetMillis());
    } else if (p.window() instanceof WindowSpec.Session s) {
      window.put("type", "session").put("gap_ms", s.gapMillis());
    }
    ArrayNode aggregations = node.putArray("aggregations");
    for (Aggregation a : p.aggregations()) {
      ObjectNode agg = aggregations.addObject().put("name", a.name()).put("fn", a.fn().name().toLowerCase(Locale.ROOT));
      if (a.field() != null) {
        agg.put("field", a.field());
      }
    }
    return node;
  }

  public static ObjectNode cluster(String self, List<ClusterView.MemberInfo> members, List<ClusterView.Placement> placements) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("self", self);
    ArrayNode memberArray = node.putArray("members");
    for (ClusterView.MemberInfo m : members) {
      memberArray.addObject().put("address", m.address()).put("status", m.status())
          .put("reachable", m.reachable()).put("leader", m.leader());
    }
    // With least-shard allocation "misplaced" counts against rendezvous all the same: only a hint.
    node.put("balanced", placements.stream().allMatch(p -> p.misplaced() == 0));
    ArrayNode pipelines = node.putArray("pipelines");
    for (ClusterView.Placement p : placements) {
      ObjectNode pn = pipelines.addObject();
      pn.put("pipeline", p.pipeline()).put("stage", p.stage()).put("key_groups", p.keyGroups())
          .put("placed", p.holders().size()).put("misplaced", p.misplaced());
      Map<String, Integer> perMember = new TreeMap<>();
      p.holders().values().forEach(a -> perMember.merge(a, 1, Integer::sum));
      pn.set("key_groups_per_member", MAPPER.valueToTree(perMember));
      ObjectNode holders = pn.putObject("holders");
      p.holders().forEach((kg, address) -> holders.put(Integer.toString(kg), address));
    }
    return node;
  }

  /**
   * {@code GET /v1/cluster/figures}: every node's recent figures (oldest first), the nodes still
   * sending them ({@code current}), the lag per pipeline stage ({@link StageLag}, processing lags over
   * the last 10 s) and the marks. NaN is null.
   */
  public static ObjectNode figures(FigureHistory history, long nowMillis) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode current = root.putArray("current");
    history.current(nowMillis).forEach(current::add);
    ObjectNode nodes = root.putObject("nodes");
    history.nodes().forEach((node, series) -> {
      ArrayNode points = nodes.putArray(node);
      for (NodeFigures f : series) {
        ObjectNode point = points.addObject().put("at", f.atMillis());
        number(point, "acked_per_s", f.ackedPerSecond());
        ObjectNode answers = point.putObject("answers_per_s");
        f.answersPerSecond().forEach((status, rate) -> number(answers, status, rate));
        number(point, "rejected_per_s", f.rejectedPerSecond());
        number(point, "ack_p50_ms", f.ackP50Ms());
        number(point, "ack_p99_ms", f.ackP99Ms());
        number(point, "journal_write_mean_ms", f.journalWriteMeanMs());
        point.put("key_groups", f.keyGroups()).put("recoveries", f.recoveries());
        number(point, "slowest_recovery_s", f.slowestRecoverySeconds());
        point.put("moves_started", f.movesStarted());
      }
    });
    ArrayNode stages = root.putArray("stages");
    for (StageLag.Row r : StageLag.of(history.nodes(), history.current(nowMillis), nowMillis, STAGE_LAG_WINDOW_MILLIS)) {
      ObjectNode stage = stages.addObject().put("pipeline", r.pipeline()).put("stage", r.stage())
          .put("key_groups", r.keyGroups());
      number(stage, "event_time_lag_s", r.lagSeconds());
      ArrayNode slowest = stage.putArray("slowest");
      r.slowest().forEach(slow -> number(slowest.addObject().put("node", slow.node()).put("key_group", slow.keyGroup()),
          "lag_s", slow.lagSeconds()));
      number(stage, "applied_p99_ms", r.appliedP99Ms());
      number(stage, "results_written_p99_ms", r.writtenP99Ms());
      number(stage, "forwarded_p99_ms", r.forwardedP99Ms());
    }
    ArrayNode marks = root.putArray("marks");
    for (FigureHistory.Mark m : history.marks()) {
      marks.addObject().put("at", m.atMillis()).put("kind", m.kind()).put("text", m.text());
    }
    return root;
  }

  private static void number(ObjectNode node, String field, double value) {
    if (Double.isFinite(value)) {
      node.put(field, value);
    } else {
      node.putNull(field);
    }
  }
}
