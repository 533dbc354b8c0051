package io.keyflow.persistence.catalog;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.keyflow.persistence.results.ResultsGeneration;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.PipelineSignature;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The {@code pipelines} table: the {@link PipelineSignature} each pipeline's stored state was written
 * under. {@link #check} runs when a node starts, before any key group: a new pipeline is recorded, a
 * compatible change updates the record, an incompatible one is refused naming every difference.
 * {@link #reset} deletes everything one pipeline stored and starts its next {@link ResultsGeneration}
 * (table {@code pipeline_generations}, which reset keeps).
 */
public final class PipelineCatalog {

  private static final String GENERATIONS = "pipeline_generations";

  private final CqlSession session;
  private final String keyspace;

  public PipelineCatalog(CqlSession session, String keyspace) {
    this.session = session;
    this.keyspace = keyspace;
  }

  /** Thrown when a pipeline does not match its stored state. */
  public static final class IncompatiblePipelineException extends IllegalStateException {
    public IncompatiblePipelineException(String message) {
      super(message);
    }
  }

  /** Records new pipelines, updates compatible ones, refuses incompatible ones (all checked first). */
  public void check(Map<String, PipelineDefinition> pipelines) {
    Map<String, PipelineSignature> toWrite = new LinkedHashMap<>();
    List<String> refused = new ArrayList<>();
    for (PipelineDefinition pipeline : pipelines.values()) {
      List<PipelineDefinition> stages = pipeline.stages();
      for (int i = 0; i < stages.size(); i++) {
        PipelineDefinition p = stages.get(i);
        // The first stage is recorded under the pipeline's name, later ones under <pipeline>|<stage>.
        String entry = i == 0 ? p.name() : p.name() + "|" + p.stage();
        PipelineSignature now = PipelineSignature.of(p);
        Row row = session.execute(SimpleStatement.newInstance(
            "SELECT signature FROM " + keyspace + ".pipelines WHERE name = ?", entry)
            .setConsistencyLevel(ConsistencyLevel.QUORUM)).one();
        if (row == null) {
          toWrite.put(entry, now);
          continue;
        }
        PipelineSignature stored = PipelineSignature.decode(row.getString("signature"));
        List<String> problems = now.incompatibilitiesWith(stored);
        if (!problems.isEmpty()) {
          refused.add("pipeline '" + p.name() + "'" + (i == 0 ? "" : " stage '" + p.stage() + "'")
              + " no longer matches its stored state: " + String.join("; ", problems)
              + ". Give the changed pipeline a new name, or delete its state and results with: bin/keyflow reset " + p.name());
        } else if (!stored.equals(now)) {
          toWrite.put(entry, now);
        }
      }
    }
    if (!refused.isEmpty()) {
      throw new IncompatiblePipelineException(String.join("\n", refused));
    }
    toWrite.forEach((name, signature) -> session.execute(SimpleStatement.newInstance(
        "INSERT INTO " + keyspace + ".pipelines (name, signature, updated_at) VALUES (?, ?, ?)",
        name, signature.encode(), System.currentTimeMillis()).setConsistencyLevel(ConsistencyLevel.QUORUM)));
  }

  /** The stored signature of {@code pipeline}, or null. */
  public PipelineSignature stored(String pipeline) {
    Row row = session.execute(SimpleStatement.newInstance(
        "SELECT signature FROM " + keyspace + ".pipelines WHERE name = ?", pipeline)).one();
    return row == null ? null : PipelineSignature.decode(row.getString("signature"));
  }

  /**
   * The current results generation of each of {@code pipelines} ({@link ResultsGeneration#FIRST} for
   * one never reset). Read once when a node starts: reset runs only while no node runs.
   */
  public Map<String, ResultsGeneration> generations(Collection<String> pipelines) {
    Map<String, ResultsGeneration> generations = new TreeMap<>();
    boolean recorded = hasTable(GENERATIONS);
    for (String pipeline : pipelines) {
      generations.put(pipeline, recorded ? generation(pipeline) : ResultsGeneration.FIRST);
    }
    return generations;
  }

  private ResultsGeneration generation(String pipeline) {
    Row row = session.execute(SimpleStatement.newInstance(
        "SELECT generation, seq_base FROM " + keyspace + "." + GENERATIONS + " WHERE pipeline = ?", pipeline)
        .setConsistencyLevel(ConsistencyLevel.QUORUM)).one();
    return row == null ? ResultsGeneration.FIRST : new ResultsGeneration(row.getLong(0), row.getLong(1));
  }

  /** Rows and partitions {@link #reset} deleted, by table, and the generation the pipeline starts next. */
  public record Deleted(Map<String, Integer> partitions, ResultsGeneration next) {
    public int total() {
      return partitions.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Deletes every journal partition, snapshot, result (of both result tables), results log row (of the old per-firing log
   * too, where it exists), late record, webhook offset and idempotency key of
   * {@code pipeline}, and its catalog entry. Scans partition keys (an administrative operation): run
   * it only while no node runs the pipeline, or a running key group would write its state back.
   *
   * <p>First records the pipeline's next {@link ResultsGeneration} (so a reset cut short and run
   * again, or a node started after it, never writes results under the old base), then deletes; the
   * results rows are deleted at the new base as timestamp, which every new result outranks.
   */
  public Deleted reset(String pipeline) {
    if (!hasTable(GENERATIONS)) {
      throw new IllegalStateException("table " + keyspace + "." + GENERATIONS + " is missing: apply docker/keyflow.cql"
          + " (a node with keyflow.cassandra.apply-ddl = on does) before a reset");
    }
    ResultsGeneration next = generation(pipeline).next(
        java.time.Instant.now().toEpochMilli() * 1000, highestStoredSeq(pipeline));
    session.execute(SimpleStatement.newInstance("INSERT INTO " + keyspace + "." + GENERATIONS
        + " (pipeline, generation, seq_base, reset_at) VALUES (?, ?, ?, ?)",
        pipeline, next.generation(), next.seqBase(), System.currentTimeMillis()).setConsistencyLevel(ConsistencyLevel.QUORUM));
    Map<String, Integer> deleted = new LinkedHashMap<>();
    Predicate<String> ours = pid -> pid.startsWith(pipeline + "|");
    deleted.put("journal_events", deleteWhere("SELECT DISTINCT persistence_id, partition_nr FROM %s.journal_events",
        row -> ours.test(row.getString(0)),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal_events WHERE persistence_id = ? AND partition_nr = ?",
            row.getString(0), row.getLong(1))));
    if (hasTable("journal_segments")) {
      deleted.put("journal_segments", deleteWhere("SELECT DISTINCT fence_key, segment FROM %s.journal_segments",
          row -> ours.test(row.getString(0) + "|"),
          row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal_segments WHERE fence_key = ? AND segment = ?",
              row.getString(0), row.getUuid(1))));
      deleted.put("journal_segment_index", deleteWhere("SELECT DISTINCT persistence_id FROM %s.journal_segment_index",
          row -> ours.test(row.getString(0)),
          row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal_segment_index WHERE persistence_id = ?",
              row.getString(0))));
    }
    deleted.put("journal_fences", deleteWhere("SELECT DISTINCT fence_key FROM %s.journal_fences",
        row -> ours.test(row.getString(0) + "|"),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal_fences WHERE fence_key = ?", row.getString(0))));
    if (hasTable("journal")) {
      // Journals of the previous format (one lightweight transaction per append): reset is their way out.
      deleted.put("journal", deleteWhere("SELECT DISTINCT persistence_id, partition_nr FROM %s.journal",
          row -> ours.test(row.getString(0)),
          row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal WHERE persistence_id = ? AND partition_nr = ?",
              row.getString(0), row.getLong(1))));
    }
    deleted.put("journal_deletions", deleteWhere("SELECT DISTINCT persistence_id FROM %s.journal_deletions",
        row -> ours.test(row.getString(0)),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal_deletions WHERE persistence_id = ?", row.getString(0))));
    if (hasTable("journal_metadata")) {
      // Deletion points of the previous format.
      deleted.put("journal_metadata", deleteWhere("SELECT persistence_id FROM %s.journal_metadata",
          row -> ours.test(row.getString(0)),
          row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal_metadata WHERE persistence_id = ?",
              row.getString(0))));
    }
    deleted.put("snapshots", deleteWhere("SELECT DISTINCT persistence_id FROM %s.snapshots",
        row -> ours.test(row.getString(0)),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".snapshots WHERE persistence_id = ?", row.getString(0))));
    for (String table : resultsTables(List.of("results", "results_windows", "results_batches", "results_log",
        "late_records"))) {
      // Results rows carry their (highest) stored sequence number as write timestamp: deleted at the new base.
      String dated = table.equals("results_windows") || table.equals("results")
          ? " USING TIMESTAMP " + next.seqBase() : "";
      deleted.put(table, deleteWhere("SELECT DISTINCT pipeline, stage, key_group FROM %s." + table,
          row -> pipeline.equals(row.getString(0)),
          row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + "." + table + dated
              + " WHERE pipeline = ? AND stage = ? AND key_group = ?", row.getString(0), row.getString(1), row.getInt(2))));
    }
    // The webhook sink starts the new generation from its base: its cursors go too.
    deleted.put("webhook_offsets", deleteWhere("SELECT DISTINCT pipeline, stage FROM %s.webhook_offsets",
        row -> pipeline.equals(row.getString(0)),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".webhook_offsets WHERE pipeline = ? AND stage = ?",
            row.getString(0), row.getString(1))));
    deleted.put("idempotency_keys", deleteWhere("SELECT DISTINCT pipeline, id FROM %s.idempotency_keys",
        row -> pipeline.equals(row.getString(0)),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".idempotency_keys WHERE pipeline = ? AND id = ?",
            row.getString(0), row.getString(1))));
    deleted.put("pipelines", deleteWhere("SELECT name FROM %s.pipelines",
        row -> row.getString(0).equals(pipeline) || row.getString(0).startsWith(pipeline + "|"),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".pipelines WHERE name = ?", row.getString(0))));
    return new Deleted(deleted, next);
  }

  /** The highest sequence number in the results log, late records and webhook offsets of {@code pipeline}. */
  private long highestStoredSeq(String pipeline) {
    long highest = 0;
    for (String table : resultsTables(List.of("results_batches", "results_log", "late_records"))) {
      // A results_batches row is clustered by the highest sequence number of its firings.
      String seq = table.equals("results_batches") ? "last_seq" : "output_seq";
      for (Row partition : session.execute(SimpleStatement.newInstance(
          "SELECT DISTINCT pipeline, stage, key_group FROM " + keyspace + "." + table)
          .setTimeout(java.time.Duration.ofSeconds(60)).setPageSize(5_000))) {
        if (!pipeline.equals(partition.getString(0))) {
          continue;
        }
        Row last = session.execute(SimpleStatement.newInstance("SELECT " + seq + " FROM " + keyspace + "." + table
            + " WHERE pipeline = ? AND stage = ? AND key_group = ? ORDER BY " + seq + " DESC LIMIT 1",
            pipeline, partition.getString(1), partition.getInt(2))).one();
        highest = last == null ? highest : Math.max(highest, last.getLong(0));
      }
    }
    for (Row row : session.execute(SimpleStatement.newInstance(
        "SELECT pipeline, delivered_seq FROM " + keyspace + ".webhook_offsets").setPageSize(5_000))) {
      if (pipeline.equals(row.getString(0))) {
        highest = Math.max(highest, row.getLong(1));
      }
    }
    return highest;
  }

  /**
   * Those of {@code tables} the keyspace has: {@code results_log} (the results log before
   * {@code results_batches}) only where it was created before, {@code results_batches} and
   * {@code results_windows} not yet where no node of their version has applied the schema.
   */
  private List<String> resultsTables(List<String> tables) {
    return tables.stream()
        .filter(t -> !Set.of("results_batches", "results_windows", "results_log").contains(t) || hasTable(t))
        .toList();
  }

  private boolean hasTable(String table) {
    return session.execute(SimpleStatement.newInstance(
        "SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?", keyspace, table))
        .one() != null;
  }

  private int deleteWhere(String select, Predicate<Row> match,
      java.util.function.Function<Row, SimpleStatement> delete) {
    List<SimpleStatement> deletes = new ArrayList<>();
    for (Row row : session.execute(SimpleStatement.newInstance(String.format(select, keyspace))
        .setTimeout(java.time.Duration.ofSeconds(60)).setPageSize(5_000))) {
      if (match.test(row)) {
        deletes.add(delete.apply(row));
      }
    }
    for (SimpleStatement d : deletes) {
      session.execute(d.setConsistencyLevel(ConsistencyLevel.QUORUM));
    }
    return deletes.size();
  }
}
