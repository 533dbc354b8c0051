package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The fence rounds ({@link FenceRounds}) on Cassandra: a conditional update alone as a lightweight
 * transaction, several as one conditional batch of their partition, and serial reads of several
 * rows as one {@code SELECT ... IN} at the serial consistency. Never retried by the driver: a round's
 * outcome may be unknown.
 */
final class FencePaxos implements FenceRounds.Paxos<BoundStatement, Fence> {

  private final Function<Statement<?>, CompletableFuture<AsyncResultSet>> execute;
  private final CompletionStage<PreparedStatement> selectFences;
  private final String profile;
  private final ConsistencyLevel consistency;
  private final ConsistencyLevel serialConsistency;

  /**
   * @param execute      runs a statement on the session
   * @param selectFences {@code SELECT persistence_id, epoch, owner, starts FROM <fences> WHERE
   *                     fence_key = ? AND persistence_id IN ?}, once prepared
   */
  FencePaxos(Function<Statement<?>, CompletableFuture<AsyncResultSet>> execute,
      CompletionStage<PreparedStatement> selectFences,
      String profile, ConsistencyLevel consistency, ConsistencyLevel serialConsistency) {
    this.execute = execute;
    this.selectFences = selectFences;
    this.profile = profile;
    this.consistency = consistency;
    this.serialConsistency = serialConsistency;
  }

  static String selectFencesCql(String fenceTable) {
    return "SELECT persistence_id, epoch, owner, starts FROM " + fenceTable
        + " WHERE fence_key = ? AND persistence_id IN ?";
  }

  @Override
  public CompletionStage<Optional<Map<String, Fence>>> conditional(
      String fenceKey, List<String> ids, List<BoundStatement> updates) {
    Statement<?> round = updates.size() == 1
        ? updates.get(0)
        : BatchStatement.newInstance(BatchType.UNLOGGED).addAll(updates);
    return execute.apply(round
        .setExecutionProfileName(profile)
        .setConsistencyLevel(consistency)
        .setSerialConsistencyLevel(serialConsistency)
        .setIdempotent(false))
        .thenApply(rs -> {
          if (rs.wasApplied()) {
            return Optional.empty();
          }
          Map<String, Fence> rows = new HashMap<>();
          for (Row row : rs.currentPage()) {
            Fence fence = Fence.of(row);
            if (fence == Fence.NONE) {
              continue;
            }
            // A lone statement's answer has no key columns (Cassandra adds them only for batches).
            String id = updates.size() == 1 ? ids.get(0) : row.getString("persistence_id");
            rows.put(id, fence);
          }
          return Optional.of(rows);
        });
  }

  @Override
  public CompletionStage<Map<String, Fence>> serialRead(String fenceKey, Set<String> ids) {
    return selectFences.thenCompose(select -> execute.apply(select.bind(fenceKey, List.copyOf(ids))
        .setExecutionProfileName(profile)
        .setConsistencyLevel(serialConsistency)))
        .thenApply(rs -> {
          Map<String, Fence> rows = new HashMap<>();
          for (Row row : rs.currentPage()) {
            rows.put(row.getString("persistence_id"), Fence.of(row));
          }
          return rows;
        });
  }
}
