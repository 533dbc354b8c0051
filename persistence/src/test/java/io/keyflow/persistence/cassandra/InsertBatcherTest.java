package io.keyflow.persistence.cassandra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.cql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** The per-node flush, with Cassandra's answers given by hand. */
class InsertBatcherTest {

  private record Sent(Statement<?> statement, CompletableFuture<Void> answer) {
    List<String> queries() {
      List<String> queries = new ArrayList<>();
      if (statement instanceof BatchStatement batch) {
        batch.forEach(s -> queries.add(((SimpleStatement) s).getQuery()));
      } else {
        queries.add(((SimpleStatement) statement).getQuery());
      }
      return queries;
    }
  }

  private final List<Sent> sent = new ArrayList<>();

  private InsertBatcher batcher(int maxInFlight, long maxBytes, int maxRows) {
    return new InsertBatcher(statement -> {
      Sent s = new Sent(statement, new CompletableFuture<>());
      sent.add(s);
      return s.answer();
    }, maxInFlight, maxBytes, maxRows);
  }

  private static List<BatchableStatement<?>> rows(String... names) {
    List<BatchableStatement<?>> rows = new ArrayList<>();
    for (String name : names) {
      rows.add(SimpleStatement.newInstance(name));
    }
    return rows;
  }

  @Test
  void anIdleNodeSendsAtOnceAndWritesMadeWhileTheLimitIsReachedLeaveTogether() {
    InsertBatcher flush = batcher(1, 1_000, 100);
    CompletableFuture<Void> a = flush.submit(rows("a1"), 10);
    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).statement()).as("one row goes as a plain insert").isInstanceOf(SimpleStatement.class);

    CompletableFuture<Void> b = flush.submit(rows("b1", "b2"), 20);
    CompletableFuture<Void> c = flush.submit(rows("c1"), 10);
    assertThat(sent).as("one batch in flight at most").hasSize(1);

    sent.get(0).answer().complete(null);
    assertThat(a).isCompleted();
    assertThat(b).isNotDone();
    assertThat(sent).hasSize(2);
    assertThat(sent.get(1).statement()).isInstanceOf(BatchStatement.class);
    assertThat(sent.get(1).queries()).as("everything that gathered, in order").containsExactly("b1", "b2", "c1");

    sent.get(1).answer().complete(null);
    assertThat(b).isCompleted();
    assertThat(c).isCompleted();
    assertThat(sent).hasSize(2);
  }

  @Test
  void aBatchStaysUnderItsByteAndRowBoundsAndAnAtomicWriteIsNeverSplit() {
    InsertBatcher flush = batcher(1, 100, 3);
    flush.submit(rows("x"), 1);
    flush.submit(rows("a1", "a2"), 60);
    flush.submit(rows("b1"), 50); // 110 bytes with a: next batch
    flush.submit(rows("c1", "c2", "c3", "c4"), 10); // more rows than a batch may hold: goes alone
    flush.submit(rows("d1"), 10);
    flush.submit(rows("e1"), 200); // more bytes than a batch may hold: goes alone
    for (int i = 0; i < sent.size(); i++) {
      sent.get(i).answer().complete(null);
    }
    assertThat(sent).extracting(Sent::queries).containsExactly(
        List.of("x"), List.of("a1", "a2"), List.of("b1"), List.of("c1", "c2", "c3", "c4"), List.of("d1"), List.of("e1"));
  }

  @Test
  void severalBatchesMayBeInFlight() {
    InsertBatcher flush = batcher(2, 1_000, 100);
    flush.submit(rows("a"), 1);
    flush.submit(rows("b"), 1);
    flush.submit(rows("c"), 1);
    flush.submit(rows("d"), 1);
    assertThat(sent).extracting(Sent::queries).containsExactly(List.of("a"), List.of("b"));
    sent.get(1).answer().complete(null);
    assertThat(sent).extracting(Sent::queries).containsExactly(List.of("a"), List.of("b"), List.of("c", "d"));
  }

  @Test
  void aFailedBatchFailsEveryWriteInItAndNoOther() throws Exception {
    InsertBatcher flush = batcher(1, 1_000, 100);
    CompletableFuture<Void> first = flush.submit(rows("a"), 1);
    CompletableFuture<Void> b = flush.submit(rows("b"), 1);
    CompletableFuture<Void> c = flush.submit(rows("c"), 1);
    sent.get(0).answer().complete(null);
    sent.get(1).answer().completeExceptionally(new IllegalStateException("write timeout"));
    assertThat(first).isCompleted();
    for (CompletableFuture<Void> failed : List.of(b, c)) {
      assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class).hasMessageContaining("write timeout");
    }
    CompletableFuture<Void> after = flush.submit(rows("d"), 1);
    assertThat(sent).as("a failure frees its slot").hasSize(3);
    sent.get(2).answer().complete(null);
    assertThat(after).isCompleted();
  }

  @Test
  void aStatementTheDriverRefusesFailsItsBatchAndFreesTheSlot() {
    InsertBatcher flush = new InsertBatcher(statement -> {
      throw new IllegalArgumentException("refused");
    }, 1, 1_000, 100);
    assertThat(flush.submit(rows("a"), 1)).isCompletedExceptionally();
    assertThat(flush.submit(rows("b"), 1)).as("not stuck behind the refused batch").isCompletedExceptionally();
  }
}
