package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import io.keyflow.persistence.cassandra.CassandraSessions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * The journal's way to Cassandra: its driver session, its prepared statements, and every statement
 * run with the journal's profile and the consistency level the protocol asks for. What comes back is a
 * plain CompletableFuture: its dependents run on the driver's thread that completed it, so an append
 * continues there instead of hopping executors, and it fails with the cause itself.
 */
final class JournalSession {

  private final JournalSettings settings;
  private final CompletableFuture<CqlSession> session;
  private final CompletableFuture<JournalStatements> statements;

  JournalSession(ClassicActorSystemProvider system, JournalSettings settings) {
    this.settings = settings;
    // The registry's stage would run every dependent stage asynchronously (a Scala future seen from
    // Java); a plain CompletableFuture lets appends continue on the driver's threads.
    this.session = plain(CassandraSessions.sessionFor(system, settings.sessionConfigPath()).underlying());
    this.statements = plain(session.thenCompose(s -> JournalStatements.prepare(s, settings)));
  }

  /** The prepared statements, once prepared. */
  CompletableFuture<JournalStatements> statements() {
    return statements;
  }

  /** Runs {@code statement} with the journal's profile at {@code consistency}. */
  CompletableFuture<AsyncResultSet> execute(Statement<?> statement, ConsistencyLevel consistency) {
    return session.thenCompose(s -> plain(s.executeAsync(statement
        .setExecutionProfileName(settings.profile())
        .setConsistencyLevel(consistency))));
  }

  /** Runs {@code statement} as it is (the fence rounds set profile and consistency themselves). */
  CompletableFuture<AsyncResultSet> executeAsIs(Statement<?> statement) {
    return session.thenCompose(s -> plain(s.executeAsync(statement)));
  }

  interface RowSink<T> {
    void add(T into, Row row);
  }

  /** Every row of {@code rs}, page after page, added to {@code into}. */
  static <T> CompletionStage<T> collect(AsyncResultSet rs, T into, RowSink<T> sink) {
    for (Row row : rs.currentPage()) {
      sink.add(into, row);
    }
    return rs.hasMorePages()
        ? plain(rs.fetchNextPage()).thenCompose(next -> collect(next, into, sink))
        : CompletableFuture.completedFuture(into);
  }

  /**
   * A plain CompletableFuture of the stage (its dependents run on the completing thread, not on
   * CompletableFuture's default executor), failing with the cause itself, not a CompletionException.
   */
  static <T> CompletableFuture<T> plain(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    stage.whenComplete((value, error) -> {
      if (error == null) {
        plain.complete(value);
      } else {
        plain.completeExceptionally(error instanceof CompletionException && error.getCause() != null
            ? error.getCause() : error);
      }
    });
    return plain;
  }

  static <T> Future<T> toScala(CompletionStage<T> stage) {
    return FutureConverters.asScala(plain(stage));
  }
}
