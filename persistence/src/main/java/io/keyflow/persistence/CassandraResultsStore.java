package io.keyflow.persistence;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.type.codec.TypeCodecs;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.runtime.Output;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The results table in Cassandra: one row per (pipeline, stage, key, window start), partitioned by
 * key group, so one key group's results are written as a single-partition batch (late records of
 * the late side output go to their own table, same partitioning). Each write carries
 * {@code USING TIMESTAMP <stored sequence number>} (the output sequence number plus its pipeline's
 * {@link ResultsGeneration} base): a re-delivered or late-arriving older result can never replace a
 * newer one of the same window, and after a reset new results outrank the reset's tombstones.
 * Every firing is also logged for the live stream and the webhook sink (see {@link ResultsLog}): one
 * {@code results_batches} row per delivery and stage holds all of the delivery's firings as one blob
 * ({@link ResultsBatchCodec}), so a firing costs Cassandra one row, not two. Every row expires after
 * the configured {@link ResultsRetention}. Shares the journal plugin's driver session.
 */
public final class CassandraResultsStore implements ResultsSink {

  private static final String PROFILE = "pekko-persistence-cassandra-profile";
  private static final TypeReference<LinkedHashMap<String, Object>> VALUES = new TypeReference<>() {};

  private final CassandraSession session;
  private final ObjectMapper json = new ObjectMapper();
  private final CompletionStage<PreparedStatement> insert;
  private final CompletionStage<PreparedStatement> selectGroup;
  private final CompletionStage<PreparedStatement> selectKey;
  private final CompletionStage<PreparedStatement> insertLate;
  private final CompletionStage<PreparedStatement> selectLate;
  private final CompletionStage<PreparedStatement> insertLog;
  private final int ttlSeconds;
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
    this.session = CassandraSessionRegistry.get(system)
        .sessionFor(CassandraSessionSettings.create("pekko.persistence.cassandra"));
    String table = keyspace + ".results";
    // The stored sequence number is the row's write timestamp; its output_seq column (read by nothing)
    // is no longer written: a cell less per result.
    this.insert = session.prepare("INSERT INTO " + table
        + " (pipeline, stage, key_group, key, window_start, window_end, result)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ? AND TTL ?");
    this.insertLog = session.prepare("INSERT INTO " + keyspace + ".results_batches"
        + " (pipeline, stage, key_group, last_seq, first_seq, firings) VALUES (?, ?, ?, ?, ?, ?) USING TTL ?");
    String columns = "SELECT key, window_start, window_end, result FROM " + table;
    this.selectGroup = session.prepare(columns + " WHERE pipeline = ? AND stage = ? AND key_group = ?");
    this.selectKey = session.prepare(columns
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
    // One unlogged batch: the latest results (and late records) and the log of firings share the
    // partition key (pipeline, stage, key group), so Cassandra applies the whole batch as one
    // mutation of that partition — one request and one commit log entry per delivery, atomic (a
    // side-output tag is a partition of its own). Rewriting it is harmless; it must succeed before
    // the entity counts the outputs delivered.
    ResultsGeneration generation = generations.getOrDefault(pipeline, ResultsGeneration.FIRST);
    return insert.thenCombine(insertLate, StatementPair::new).thenCombine(insertLog, (pair, logRow) -> {
      BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED).setExecutionProfileName(PROFILE);
      // Every firing is logged (a re-firing too): one blob per stage (or tag) of this delivery.
      Map<String, List<ResultsBatchCodec.Firing>> firings = new LinkedHashMap<>();
      for (var entry : outputs.entrySet()) {
        Output o = entry.getValue();
        long seq = generation.storedSeq(entry.getKey());
        if (o.holdsLateRecord()) {
          Record r = o.late();
          batch.addStatement(pair.late().bind(pipeline, stage, keyGroup, seq, r.key(), r.ts(),
              toJson(r.fields()), ttlSeconds));
        } else {
          WindowResult r = o.result();
          // A side output of a process function is stored like results, under its tag as the stage.
          String rowStage = o.tag() == null ? stage : o.tag();
          String values = toJson(r.values());
          // Values bound with their codecs named: bind(Object...) looked each codec up in the
          // registry by the value's class, a top frame of the node's profile.
          batch.addStatement(pair.result().boundStatementBuilder()
              .set(0, pipeline, TypeCodecs.TEXT).set(1, rowStage, TypeCodecs.TEXT).set(2, keyGroup, TypeCodecs.INT)
              .set(3, r.key(), TypeCodecs.TEXT).set(4, r.windowStart(), TypeCodecs.BIGINT)
              .set(5, r.windowEnd(), TypeCodecs.BIGINT).set(6, values, TypeCodecs.TEXT)
              .set(7, seq, TypeCodecs.BIGINT).set(8, ttlSeconds, TypeCodecs.INT)
              .build());
          firings.computeIfAbsent(rowStage, s -> new ArrayList<>())
              .add(new ResultsBatchCodec.Firing(seq, r.key(), r.windowStart(), r.windowEnd(), values));
        }
      }
      firings.forEach((rowStage, fired) -> batch.addStatement(logRow.bind(pipeline, rowStage, keyGroup,
          fired.get(fired.size() - 1).seq(), fired.get(0).seq(), ResultsBatchCodec.encode(fired), ttlSeconds)));
      return batch.build();
    }).thenCompose(batch -> batch.size() == 0
        ? CompletableFuture.<Void>completedFuture(null)
        : session.executeWrite(batch).thenApply(done -> (Void) null));
  }

  private record StatementPair(PreparedStatement result, PreparedStatement late) {}

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
    return selectKey
        .thenCompose(ps -> session.selectAll(ps.bind(pipeline, stage, keyGroup, key, from, to)
            .setExecutionProfileName(PROFILE)))
        .thenApply(this::toResults);
  }

  /** Every result of the given key groups with {@code from <= window_start < to}, by key then start. */
  public CompletionStage<List<WindowResult>> resultsOfGroups(
      String pipeline, String stage, int keyGroups, long from, long to) {
    List<CompletableFuture<List<WindowResult>>> parts = new ArrayList<>();
    for (int kg = 0; kg < keyGroups; kg++) {
      int group = kg;
      parts.add(selectGroup
          .thenCompose(ps -> session.selectAll(ps.bind(pipeline, stage, group).setExecutionProfileName(PROFILE)))
          .thenApply(this::toResults)
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      List<WindowResult> all = new ArrayList<>();
      for (var part : parts) {
        for (WindowResult r : part.join()) {
          if (r.windowStart() >= from && r.windowStart() < to) {
            all.add(r);
          }
        }
      }
      all.sort(Comparator.comparing(WindowResult::key).thenComparingLong(WindowResult::windowStart));
      return all;
    });
  }

  private List<WindowResult> toResults(List<Row> rows) {
    List<WindowResult> results = new ArrayList<>(rows.size());
    for (Row row : rows) {
      results.add(new WindowResult(row.getString("key"), row.getLong("window_start"),
          row.getLong("window_end"), fromJson(row.getString("result"))));
    }
    return results;
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
