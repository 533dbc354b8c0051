package io.keyflow.persistence;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.keyflow.pipeline.PipelineDefinition;
import io.keyflow.pipeline.PipelineSignature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The {@code pipelines} table: the {@link PipelineSignature} each pipeline's stored state was written
 * under. {@link #check} runs when a node starts, before any key group: a new pipeline is recorded, a
 * compatible change updates the record, an incompatible one is refused naming every difference.
 * {@link #reset} deletes everything one pipeline stored.
 */
public final class PipelineCatalog {

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

  /** Rows and partitions {@link #reset} deleted, by table. */
  public record Deleted(Map<String, Integer> partitions) {
    public int total() {
      return partitions.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * Deletes every journal partition, snapshot, result (and results log entry), late record, webhook offset and idempotency key of
   * {@code pipeline}, and its catalog entry. Scans partition keys (an administrative operation): run
   * it only while no node runs the pipeline, or a running key group would write its state back.
   */
  public Deleted reset(String pipeline) {
    Map<String, Integer> deleted = new LinkedHashMap<>();
    Predicate<String> ours = pid -> pid.startsWith(pipeline + "|");
    deleted.put("journal_events", deleteWhere("SELECT DISTINCT persistence_id, partition_nr FROM %s.journal_events",
        row -> ours.test(row.getString(0)),
        row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + ".journal_events WHERE persistence_id = ? AND partition_nr = ?",
            row.getString(0), row.getLong(1))));
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
    for (String table : List.of("results", "results_log", "late_records")) {
      deleted.put(table, deleteWhere("SELECT DISTINCT pipeline, stage, key_group FROM %s." + table,
          row -> pipeline.equals(row.getString(0)),
          row -> SimpleStatement.newInstance("DELETE FROM " + keyspace + "." + table
              + " WHERE pipeline = ? AND stage = ? AND key_group = ?", row.getString(0), row.getString(1), row.getInt(2))));
    }
    // Output sequence numbers start again at 1 after a reset: the webhook sink's cursors go too.
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
    return new Deleted(deleted);
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
