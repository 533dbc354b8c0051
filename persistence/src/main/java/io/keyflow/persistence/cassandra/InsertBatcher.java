package io.keyflow.persistence.cassandra;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * A per-node flush: the idempotent inserts of many writers on this node (key groups' journal rows,
 * their results deliveries) travel to Cassandra together, as multi-partition unlogged batches,
 * instead of one request per write (see {@code docs/durability.md}, "Writes").
 *
 * <p>At most {@code maxInFlight} batches are in flight. An insert submitted while fewer are in
 * flight is sent at once (an idle node pays no delay); one submitted while the limit is reached
 * waits, and when a batch answers, everything that gathered meanwhile leaves together, up to
 * {@code maxBytes} and {@code maxRows} per batch. So under load the flush window is one round trip
 * to Cassandra, bounded by bytes; no timer is involved.
 *
 * <p>What a writer may rely on: the rows of one {@link #submit} stay in one batch; Cassandra applies
 * the rows of one partition in a batch as one mutation, atomically. Rows of other submits in the
 * same batch may land or not independently of them. A batch that failed or timed out — whose rows
 * may have landed in part — fails every submit in it, so only idempotent rows belong here (rewriting
 * them changes nothing); each writer retries or recovers as after a failed single insert.
 */
public final class InsertBatcher {

  private final Function<Statement<?>, CompletionStage<?>> execute;
  private final int maxInFlight;
  private final long maxBytes;
  private final int maxRows;
  private final Deque<Pending> waiting = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param execute sends one statement (an insert or a batch) at the journal's consistency
   * @param maxInFlight batches in flight at most (at least 1)
   * @param maxBytes a batch's rows' size at most, as {@link #submit} counts it; a single atomic write
   *     above it is sent alone
   * @param maxRows rows per batch at most; a single atomic write above it is sent alone
   */
  public InsertBatcher(Function<Statement<?>, CompletionStage<?>> execute, int maxInFlight, long maxBytes, int maxRows) {
    if (maxInFlight < 1 || maxBytes < 1 || maxRows < 1) {
      throw new IllegalArgumentException("flush limits must be positive: max-in-flight " + maxInFlight
          + ", max-batch-bytes " + maxBytes + ", max-batch-rows " + maxRows);
    }
    this.execute = execute;
    this.maxInFlight = maxInFlight;
    this.maxBytes = maxBytes;
    this.maxRows = maxRows;
  }

  /**
   * Sends the rows of one write (atomic if they are one partition) with the next batch; completes when
   * that batch answered, or fails with its failure.
   *
   * @param bytes the rows' size as counted against {@code maxBytes} (their values' bytes)
   */
  public CompletableFuture<Void> submit(List<BatchableStatement<?>> rows, long bytes) {
    Pending pending = new Pending(List.copyOf(rows), bytes, new CompletableFuture<>());
    List<List<Pending>> batches;
    synchronized (this) {
      waiting.add(pending);
      batches = takeBatches();
    }
    batches.forEach(this::send);
    return pending.done;
  }

  private record Pending(List<BatchableStatement<?>> rows, long bytes, CompletableFuture<Void> done) {}

  /** The batches that may leave now; guarded by this. */
  private List<List<Pending>> takeBatches() {
    List<List<Pending>> batches = new ArrayList<>();
    while (inFlight < maxInFlight && !waiting.isEmpty()) {
      List<Pending> batch = new ArrayList<>();
      long bytes = 0;
      int rows = 0;
      while (!waiting.isEmpty()) {
        Pending next = waiting.peekFirst();
        if (!batch.isEmpty() && (bytes + next.bytes > maxBytes || rows + next.rows.size() > maxRows)) {
          break;
        }
        batch.add(waiting.pollFirst());
        bytes += next.bytes;
        rows += next.rows.size();
      }
      inFlight++;
      batches.add(batch);
    }
    return batches;
  }

  private void send(List<Pending> batch) {
    CompletionStage<?> sent;
    try {
      sent = execute.apply(statementOf(batch));
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((ignored, error) -> {
      List<List<Pending>> next;
      synchronized (this) {
        inFlight--;
        next = takeBatches();
      }
      // The next batch leaves before this one's writes continue (to their confirmation reads).
      next.forEach(this::send);
      for (Pending pending : batch) {
        if (error == null) {
          pending.done.complete(null);
        } else {
          pending.done.completeExceptionally(error);
        }
      }
    });
  }

  private static Statement<?> statementOf(List<Pending> batch) {
    if (batch.size() == 1 && batch.get(0).rows.size() == 1) {
      return batch.get(0).rows.get(0).setIdempotent(true);
    }
    BatchStatementBuilder builder = BatchStatement.builder(BatchType.UNLOGGED);
    for (Pending pending : batch) {
      pending.rows.forEach(builder::addStatement);
    }
    return builder.build().setIdempotent(true);
  }
}
