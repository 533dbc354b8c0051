package io.keyflow.persistence.results;

import static io.keyflow.persistence.cassandra.CassandraSessions.PROFILE;

import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.codec.TypeCodecs;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import io.keyflow.persistence.ResultsSink;
import io.keyflow.persistence.cassandra.CassandraSessions;
import io.keyflow.persistence.cassandra.InsertBatcher;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Window results in Cassandra, partitioned by (pipeline, stage, key group), so one delivery of a key
 * group is a single-partition batch, one mutation (late records of the late side output go to their
 * own table, same partitioning). A delivery writes, per stage (or side-output tag):
 * <ul>
 *   <li>one {@code results_windows} row per window start it fires, holding that window's firings as
 *       one blob ({@link ResultsBatchCodec}), read by {@code GET .../results}: per key and window the
 *       firing with the highest stored sequence number wins ({@link LatestResults}), so a re-delivered
 *       or older firing never replaces a newer result of the same window;</li>
 *   <li>one {@code results_batches} row holding all its firings in output order, tailed by the live
 *       stream and the webhook sink ({@link ResultsLog}).</li>
 * </ul>
 * Cassandra spends its CPU per request, per mutation and per row: a delivery of 50 results was 51
 * rows, it is now two or three, and the deliveries of all key groups on this node share requests
 * ({@link InsertBatcher}, {@code keyflow.results.flush}). Stored sequence numbers are output sequence numbers plus the pipeline's
 * {@link ResultsGeneration} base; {@code results_windows} rows are written {@code USING TIMESTAMP}
 * their highest one, so after a reset they outrank the reset's tombstones. The {@code results} rows of
 * earlier versions (one per window, the stored sequence number as write time) are read with them until
 * they expire. Every row expires after the configured {@link ResultsRetention}. Shares the journal
 * plugin's driver session.
 */
public final class CassandraResultsStore implements ResultsSink {

  private static final TypeReference<LinkedHashMap<String, Object>> VALUES = new TypeReference<>() {};
  /** What a row costs a batch beside its values (keys, timestamps), as the results flush counts bytes. */
  private static final int ROW_OVERHEAD_BYTES = 64;

  private final CassandraSession session;
  private final ObjectMapper json = new ObjectMapper();
  private final CompletionStage<PreparedStatement> insertWindow;
  private final CompletionStage<PreparedStatement> selectWindows;
  private final CompletionStage<PreparedStatement> selectOldGroup;
  private final CompletionStage<PreparedStatement> selectOldKey;
  private final CompletionStage<PreparedStatement> insertLate;
  private final CompletionStage<PreparedStatement> selectLate;
  private final CompletionStage<PreparedStatement> insertLog;
  private final int ttlSeconds;
  private final InsertBatcher flush;
  private final Map<String, ResultsGeneration> generations;

  /**
   * A store whose rows expire after {@code keyflow.results.retention} of the system's config;
   * {@code generations}: each pipeline's current generation (absent: never reset).
   */
  public CassandraResultsStore(ClassicActorSystemProvider system, String keyspace,
      Map<String, ResultsGeneration> generations) {
    this(system, keyspace, ResultsRetention.create(system.classicSystem().settings().config()), generations);
  }

  public CassandraResultsStore(ClassicActorSystemProvider system, String keyspace, ResultsRetention retention,
      Map<String, ResultsGeneration> generations) {
    this.ttlSeconds = retention.ttlSeconds();
    this.generations = Map.copyOf(generations);
    this.session = CassandraSessions.shared(system);
    Config flushConfig = system.classicSystem().settings().config().getConfig("keyflow.results.flush");
    this.flush = new InsertBatcher(statement -> session.executeWrite(statement.setExecutionProfileName(PROFILE)),
        flushConfig.getInt("max-in-flight"), flushConfig.getBytes("max-batch-bytes"),
        flushConfig.getInt("max-batch-rows"));
    this.insertWindow = session.prepare("INSERT INTO " + keyspace + ".results_windows"
        + " (pipeline, stage, key_group, window_start, last_seq, first_seq, firings) VALUES (?, ?, ?, ?, ?, ?, ?)"
        + " USING TIMESTAMP ? AND TTL ?");
    this.selectWindows = session.prepare("SELECT firings FROM " + keyspace + ".results_windows"
        + " WHERE pipeline = ? AND stage = ? AND key_group = ? AND window_start >= ? AND window_start < ?");
    this.insertLog = session.prepare("INSERT INTO " + keyspace + ".results_batches"
        + " (pipeline, stage, key_group, last_seq, first_seq, firings) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?");
    // Rows of earlier versions: their write time is their stored sequence number.
    String old = "SELECT key, window_start, window_end, result, WRITETIME(result) FROM " + keyspace + ".results";
    this.selectOldGroup = session.prepare(old + " WHERE pipeline = ? AND stage = ? AND key_group = ?");
    this.selectOldKey = session.prepare(old
        + " WHERE pipeline = ? AND stage = ? AND key_group = ? AND key = ? AND window_start >= ? AND window_start < ?");
    this.insertLate = session.prepare("INSERT INTO " + keyspace + ".late_records"
        + " (pipeline, stage, key_group, output_seq, key, ts, fields) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?");
    this.selectLate = session.prepare("SELECT output_seq, key, ts, fields FROM " + keyspace + ".late_records"
        + " WHERE pipeline = ? AND stage = ? AND key_group = ?");
  }

  /** A record of the late side output, with its key group and output sequence number. */
  public record LateRecord(int keyGroup, long seq, Record record) {}

  @Override
  public CompletionStage<Void> write(String pipeline, String stage, int keyGroup, SortedMap<Long, Output> outputs) {
    // The results by window (and late records) and the log of firings share the partition key
    // (pipeline, stage, key group), so Cassandra applies a delivery's rows as one mutation of that
    // partition, atomically (a side-output tag is a partition of its own). The node's deliveries
    // travel together in the results flush's batches. Rewriting a delivery is harmless; it must
    // succeed before the entity counts the outputs delivered.
    ResultsGeneration generation = generations.getOrDefault(pipeline, ResultsGeneration.FIRST);
    return insertWindow.thenCombine(insertLate, StatementPair::new).thenCombine(insertLog, (pair, logRow) -> {
      List<BatchableStatement<?>> rows = new ArrayList<>();
      long bytes = 0;
      // Every firing is logged (a re-firing too): one blob per stage (or tag) of this delivery, and
      // one per stage and window start. Outputs come in sequence order, so every list is increasing.
      Map<String, List<ResultsBatchCodec.Firing>> firings = new LinkedHashMap<>();
      Map<String, Map<Long, List<ResultsBatchCodec.Firing>>> windows = new LinkedHashMap<>();
      for (var entry : outputs.entrySet()) {
        Output o = entry.getValue();
        long seq = generation.storedSeq(entry.getKey());
        if (o.holdsLateRecord()) {
          Record r = o.late();
          String fields = toJson(r.fields());
          rows.add(pair.late().bind(pipeline, stage, keyGroup, seq, r.key(), r.ts(), fields, ttlSeconds));
          bytes += ROW_OVERHEAD_BYTES + r.key().length() + fields.length();
        } else {
          WindowResult r = o.result();
          // A side output of a process function is stored like results, under its tag as the stage.
          String rowStage = o.tag() == null ? stage : o.tag();
          var firing = new ResultsBatchCodec.Firing(seq, r.key(), r.windowStart(), r.windowEnd(), toJson(r.values()));
          firings.computeIfAbsent(rowStage, s -> new ArrayList<>()).add(firing);
          windows.computeIfAbsent(rowStage, s -> new TreeMap<>())
              .computeIfAbsent(r.windowStart(), w -> new ArrayList<>()).add(firing);
        }
      }
      for (var byStage : windows.entrySet()) {
        String rowStage = byStage.getKey();
        List<ResultsBatchCodec.Firing> logged = firings.get(rowStage);
        ByteBuffer log = ResultsBatchCodec.encode(logged);
        for (var window : byStage.getValue().entrySet()) {
          List<ResultsBatchCodec.Firing> fired = window.getValue();
          long last = fired.get(fired.size() - 1).seq();
          // A delivery that fires one window (the usual case) holds the same firings in both rows.
          ByteBuffer blob = fired.size() == logged.size() ? log.duplicate() : ResultsBatchCodec.encode(fired);
          // Codecs named: bind(Object...) looks each one up by the value's class, a top frame of the profile.
          rows.add(pair.window().boundStatementBuilder()
              .set(0, pipeline, TypeCodecs.TEXT).set(1, rowStage, TypeCodecs.TEXT).set(2, keyGroup, TypeCodecs.INT)
              .set(3, window.getKey(), TypeCodecs.BIGINT).set(4, last, TypeCodecs.BIGINT)
              .set(5, fired.get(0).seq(), TypeCodecs.BIGINT).set(6, blob, TypeCodecs.BLOB)
              .set(7, last, TypeCodecs.BIGINT).set(8, ttlSeconds, TypeCodecs.INT)
              .build());
          bytes += ROW_OVERHEAD_BYTES + blob.remaining();
        }
        rows.add(logRow.bind(pipeline, rowStage, keyGroup, logged.get(logged.size() - 1).seq(), logged.get(0).seq(),
            log, ttlSeconds));
        bytes += ROW_OVERHEAD_BYTES + log.remaining();
      }
      return new Delivery(rows, bytes);
    }).thenCompose(delivery -> delivery.rows().isEmpty()
        ? CompletableFuture.<Void>completedFuture(null)
        : flush.submit(delivery.rows(), delivery.bytes()));
  }

  private record Delivery(List<BatchableStatement<?>> rows, long bytes) {}

  private record StatementPair(PreparedStatement window, PreparedStatement late) {}

  /** The late side output of the given key groups, by key group then output order. */
  public CompletionStage<List<LateRecord>> lateRecords(String pipeline, String stage, int keyGroups) {
    List<CompletableFuture<List<LateRecord>>> parts = new ArrayList<>();
    for (int kg = 0; kg < keyGroups; kg++) {
      int group = kg;
      parts.add(selectLate
          .thenCompose(ps -> session.selectAll(ps.bind(pipeline, stage, group).setExecutionProfileName(PROFILE)))
          .thenApply(rows -> {
            List<LateRecord> late = new ArrayList<>();
            for (Row row : rows) {
              Map<String, Object> fields = fromJson(row.getString("fields"));
              late.add(new LateRecord(group, row.getLong("output_seq"),
                  new Record(row.getString("key"), row.getLong("ts"), fields)));
            }
            return late;
          })
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> parts.stream().flatMap(p -> p.join().stream()).toList());
  }

  /** Results of one key (in its key group) with {@code from <= window_start < to}, by window start. */
  public CompletionStage<List<WindowResult>> resultsOfKey(
      String pipeline, String stage, int keyGroup, String key, long from, long to) {
    return latestOf(pipeline, stage, keyGroup, from, to,
        selectOldKey.thenApply(ps -> ps.bind(pipeline, stage, keyGroup, key, from, to)))
        .thenApply(latest -> latest.results(key, from, to, this::fromJson));
  }

  /** Every result of the given key groups with {@code from <= window_start < to}, by key then start. */
  public CompletionStage<List<WindowResult>> resultsOfGroups(
      String pipeline, String stage, int keyGroups, long from, long to) {
    List<CompletableFuture<List<WindowResult>>> parts = new ArrayList<>();
    for (int kg = 0; kg < keyGroups; kg++) {
      parts.add(resultsOfGroup(pipeline, stage, kg, from, to).toCompletableFuture());
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      List<WindowResult> all = new ArrayList<>();
      for (var part : parts) {
        all.addAll(part.join());
      }
      all.sort(Comparator.comparing(WindowResult::key).thenComparingLong(WindowResult::windowStart));
      return all;
    });
  }

  /** The results of one key group with {@code from <= window_start < to}, by key then window start. */
  public CompletionStage<List<WindowResult>> resultsOfGroup(String pipeline, String stage, int keyGroup, long from,
      long to) {
    return latestOf(pipeline, stage, keyGroup, from, to,
        selectOldGroup.thenApply(ps -> ps.bind(pipeline, stage, keyGroup)))
        .thenApply(latest -> latest.results(null, from, to, this::fromJson));
  }

  /** The firings of one key group's windows in the range, and the rows of earlier versions {@code old} selects. */
  private CompletionStage<LatestResults> latestOf(String pipeline, String stage, int keyGroup, long from, long to,
      CompletionStage<com.datastax.oss.driver.api.core.cql.BoundStatement> old) {
    LatestResults latest = new LatestResults();
    CompletionStage<List<Row>> windowRows = selectWindows.thenCompose(ps -> session.selectAll(
        ps.bind(pipeline, stage, keyGroup, from, to).setExecutionProfileName(PROFILE)));
    CompletionStage<List<Row>> oldRows = old.thenCompose(bound -> session.selectAll(bound.setExecutionProfileName(PROFILE)));
    return windowRows.thenCombine(oldRows, (rows, olds) -> {
      for (Row row : rows) {
        ResultsBatchCodec.decode(row.getByteBuffer("firings")).forEach(latest::merge);
      }
      for (Row row : olds) {
        latest.merge(new ResultsBatchCodec.Firing(row.getLong(4), row.getString("key"), row.getLong("window_start"),
            row.getLong("window_end"), row.getString("result")));
      }
      return latest;
    });
  }

  private String toJson(Map<String, ?> values) {
    try {
      return json.writeValueAsString(values);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write result values " + values, e);
    }
  }

  private Map<String, Object> fromJson(String text) {
    try {
      return json.readValue(text, VALUES);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt result row: " + text, e);
    }
  }
}
