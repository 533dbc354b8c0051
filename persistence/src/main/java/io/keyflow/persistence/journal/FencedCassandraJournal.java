package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.BatchStatementBuilder;
import com.datastax.oss.driver.api.core.cql.BatchType;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * A Cassandra journal that fences writers: two writers of one persistence id (a paused node that
 * wakes after its key groups moved, and the node that took them over) can never both append.
 *
 * <p>Every partition of the journal table carries a static column {@code head}, the highest sequence
 * number written to it. An append is one conditional single-partition batch: it sets {@code head} to
 * its last sequence number and inserts its events <em>only if</em> {@code head} still equals the
 * sequence number the writer appended last ({@code null} for the first append to a partition).
 * A writer that missed another writer's appends therefore fails instead of colliding with them, and
 * its persistent actor stops and recovers from the journal. Deletions only remove rows, never
 * {@code head}, so a deleted range cannot be written again. Recovery reads {@code head} with serial
 * consistency, which also completes any append whose outcome its writer never learned.
 *
 * <p>Plain Cassandra inserts (as in pekko-persistence-cassandra) would let the second writer silently
 * overwrite an acknowledged event with the same sequence number (last write wins), and the replay
 * filter would only notice afterwards. The price is one lightweight transaction per append.
 *
 * <p>Not supported: event tags (Keyflow reads journals by persistence id only; tags are dropped) and
 * event metadata (never written). An atomic write must fit in one partition.
 */
public final class FencedCassandraJournal extends AsyncWriteJournal {

  private final JournalSettings settings;
  private final Serialization serialization;
  private final CompletionStage<CqlSession> session;
  private final CompletionStage<Statements> statements;
  private final AppendLimiter limiter;
  /** Persistence ids that recovered here and have not appended since: their next append goes first. */
  private final Set<String> recovered = ConcurrentHashMap.newKeySet();

  public FencedCassandraJournal(Config config, String configPath) {
    this.settings = JournalSettings.create(config);
    this.serialization = SerializationExtension.get(context().system());
    // The registry's stage would run every dependent stage asynchronously (a Scala future seen from
    // Java); a plain CompletableFuture lets appends continue on the driver's threads.
    this.session = plain(CassandraSessionRegistry.get(context().system())
        .sessionFor(CassandraSessionSettings.create(settings.sessionConfigPath()))
        .underlying());
    this.statements = session.thenCompose(s -> Statements.prepare(s, settings));
    this.limiter = new AppendLimiter(settings.maxConcurrentAppends());
  }

  /** One append was refused because another writer appended to the same persistence id first. */
  public static final class WriterConflictException extends RuntimeException {
    WriterConflictException(String persistenceId, long expected, long found) {
      super("journal of " + persistenceId + " was appended to by another writer: expected head "
          + expected + ", found " + found + " (this writer is stale; it must recover before writing)");
    }
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    // All atomic writes of one call come from one persistent actor: append them in order, stop at
    // the first failure (the actor stops on a failed write and recovers).
    List<AtomicWrite> writes = new ArrayList<>();
    messages.forEach(writes::add);
    List<Optional<Exception>> results = new ArrayList<>(writes.size());
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (AtomicWrite write : writes) {
      chain = chain.thenCompose(ignored -> {
        Optional<Exception> rejection = validate(write);
        if (rejection.isPresent()) {
          results.add(rejection);
          return CompletableFuture.completedFuture(null);
        }
        return limiter.submit(() -> append(write), recovered.remove(write.persistenceId()))
            .thenRun(() -> results.add(Optional.empty()));
      });
    }
    return toScala(chain.thenApply(ignored -> (Iterable<Optional<Exception>>) results));
  }

  private Optional<Exception> validate(AtomicWrite write) {
    if (settings.partitionOf(write.lowestSequenceNr()) != settings.partitionOf(write.highestSequenceNr())) {
      return Optional.of(new IllegalArgumentException("atomic write of " + write.size() + " events of "
          + write.persistenceId() + " spans two journal partitions (partition-size "
          + settings.partitionSize() + ")"));
    }
    return Optional.empty();
  }

  private CompletionStage<Void> append(AtomicWrite write) {
    String pid = write.persistenceId();
    long first = write.lowestSequenceNr();
    long last = write.highestSequenceNr();
    long partition = settings.partitionOf(first);
    long previous = first - 1;
    boolean firstInPartition = settings.partitionOf(previous) != partition || previous == 0;
    return statements.thenCompose(st -> {
      BatchStatementBuilder batch = BatchStatement.builder(BatchType.UNLOGGED)
          .setExecutionProfileName(settings.profile())
          .setSerialConsistencyLevel(settings.serialConsistency());
      batch.addStatement(firstInPartition
          ? st.claimNewPartition().bind(last, pid, partition)
          : st.advanceHead().bind(last, pid, partition, previous));
      long now = System.currentTimeMillis();
      for (PersistentRepr repr : CollectionConverters.asJava(write.payload())) {
        Object payload = repr.payload() instanceof Tagged tagged ? tagged.payload() : repr.payload();
        Serializer serializer = serialization.findSerializerFor(payload);
        batch.addStatement(st.insertEvent().bind(pid, partition, repr.sequenceNr(), repr.writerUuid(),
            serializer.identifier(), Serializers.manifestFor(serializer, payload), repr.manifest(),
            ByteBuffer.wrap(serializer.toBinary(payload)), repr.timestamp() > 0 ? repr.timestamp() : now));
      }
      return session.thenCompose(s -> s.executeAsync(batch.build()));
    }).thenApply(rs -> {
      if (!rs.wasApplied()) {
        Row current = rs.one();
        Long found = current == null || current.isNull("head") ? null : current.getLong("head");
        if (found == null) {
          throw new IllegalStateException("journal of " + pid + " has no head in partition " + partition
              + " although its writer is at " + previous + ": journal rows were lost or removed behind"
              + " Keyflow's back (snapshots remain); refusing to append");
        }
        throw new WriterConflictException(pid, previous, found);
      }
      return null;
    });
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId, long fromSequenceNr, long toSequenceNr, long max, Consumer<PersistentRepr> replayCallback) {
    if (max <= 0 || toSequenceNr < fromSequenceNr) {
      return toScala(CompletableFuture.completedFuture(null));
    }
    Replay replay = new Replay(persistenceId, toSequenceNr, max, replayCallback);
    return toScala(statements.thenCompose(st ->
        replay.partition(st, settings.partitionOf(Math.max(1, fromSequenceNr)), Math.max(1, fromSequenceNr))));
  }

  /** Reads one partition after the other, page by page, handing events to the callback in order. */
  private final class Replay {
    private final String pid;
    private final long to;
    private final Consumer<PersistentRepr> callback;
    private long remaining;

    Replay(String pid, long to, long max, Consumer<PersistentRepr> callback) {
      this.pid = pid;
      this.to = to;
      this.remaining = max;
      this.callback = callback;
    }

    CompletionStage<Void> partition(Statements st, long partition, long from) {
      if (remaining <= 0 || partition > settings.partitionOf(to)) {
        return CompletableFuture.completedFuture(null);
      }
      long upTo = Math.min(to, settings.lastOf(partition));
      return session
          .thenCompose(s -> s.executeAsync(st.selectEvents().bind(pid, partition, from, upTo)
              .setExecutionProfileName(settings.profile()).setPageSize(settings.replayPageSize())))
          .thenCompose(this::page)
          .thenCompose(ignored -> partition(st, partition + 1, settings.firstOf(partition + 1)));
    }

    private CompletionStage<Void> page(AsyncResultSet rs) {
      for (Row row : rs.currentPage()) {
        if (remaining <= 0) {
          return CompletableFuture.completedFuture(null);
        }
        if (!row.isNull("sequence_nr")) {
          callback.accept(toRepr(pid, row));
          remaining--;
        }
      }
      return rs.hasMorePages() && remaining > 0
          ? rs.fetchNextPage().thenCompose(this::page)
          : CompletableFuture.completedFuture(null);
    }
  }

  private PersistentRepr toRepr(String pid, Row row) {
    ByteBuffer buffer = row.getByteBuffer("event");
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    Object payload = serialization.deserialize(bytes, row.getInt("ser_id"), row.getString("ser_manifest")).get();
    String eventManifest = row.getString("event_manifest");
    return PersistentRepr.apply(payload, row.getLong("sequence_nr"), pid,
            eventManifest == null ? PersistentRepr.Undefined() : eventManifest, false, ActorRef.noSender(),
            row.getString("writer_uuid"))
        .withTimestamp(row.getLong("written_at"));
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    // Read once per recovery: the key group's first append afterwards waits only behind other such.
    recovered.add(persistenceId);
    return toScala(statements.thenCompose(st ->
        highestFrom(st, persistenceId, settings.partitionOf(Math.max(0, fromSequenceNr)), 0L)));
  }

  /**
   * The head of the last partition that has one; serial reads, so no unfinished append is missed.
   * The next partition is read only when this one is full: an append never spans two partitions and
   * claims a new one only right after the last sequence number of the previous one, so a partition
   * whose head is short of its end has no successor (one serial read per recovery saved).
   */
  private CompletionStage<Long> highestFrom(Statements st, String pid, long partition, long found) {
    return session
        .thenCompose(s -> s.executeAsync(st.selectHead().bind(pid, partition)
            .setExecutionProfileName(settings.profile())
            .setConsistencyLevel(settings.serialConsistency())))
        .thenCompose(rs -> {
          Row row = rs.one();
          if (row == null || row.isNull("head")) {
            return CompletableFuture.completedFuture(found);
          }
          long head = row.getLong("head");
          if (head < settings.firstOf(partition + 1) - 1) {
            return CompletableFuture.completedFuture(head);
          }
          return highestFrom(st, pid, partition + 1, head);
        });
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    return toScala(statements.thenCompose(st -> session.thenCompose(s ->
        s.executeAsync(st.selectDeletedTo().bind(persistenceId).setExecutionProfileName(settings.profile()))
            .thenCompose(rs -> {
              Row row = rs.one();
              long deletedTo = row == null || row.isNull("deleted_to") ? 0 : row.getLong("deleted_to");
              if (toSequenceNr <= deletedTo) {
                return CompletableFuture.completedFuture(null);
              }
              return readHighestThenDelete(st, s, persistenceId, deletedTo, toSequenceNr);
            }))));
  }

  private CompletionStage<Void> readHighestThenDelete(
      Statements st, CqlSession s, String pid, long deletedTo, long toSequenceNr) {
    return highestFrom(st, pid, settings.partitionOf(deletedTo), 0L).thenCompose(highest -> {
      long to = Math.min(toSequenceNr, highest);
      CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
      for (long p = settings.partitionOf(Math.max(1, deletedTo)); p <= settings.partitionOf(to); p++) {
        long partition = p;
        // A range delete of rows keeps the partition's static head: a deleted range stays fenced.
        chain = chain.thenCompose(ignored -> s.executeAsync(st.deleteEvents().bind(pid, partition, to)
            .setExecutionProfileName(settings.profile())).thenApply(rs -> null));
      }
      return chain.thenCompose(ignored -> s.executeAsync(st.updateDeletedTo().bind(to, pid)
          .setExecutionProfileName(settings.profile()))).thenApply(rs -> null);
    });
  }

  /**
   * A plain CompletableFuture of the stage (its dependents run on the completing thread, not on
   * CompletableFuture's default executor), failing with the cause itself, not a CompletionException.
   */
  private static <T> CompletableFuture<T> plain(CompletionStage<T> stage) {
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

  private static <T> Future<T> toScala(CompletionStage<T> stage) {
    return FutureConverters.asScala(plain(stage));
  }

  /** The journal's prepared statements. */
  private record Statements(
      PreparedStatement claimNewPartition, PreparedStatement advanceHead, PreparedStatement insertEvent,
      PreparedStatement selectEvents, PreparedStatement selectHead, PreparedStatement deleteEvents,
      PreparedStatement selectDeletedTo, PreparedStatement updateDeletedTo) {

    static CompletionStage<Statements> prepare(CqlSession s, JournalSettings settings) {
      String table = settings.keyspace() + "." + settings.table();
      String meta = settings.keyspace() + "." + settings.metadataTable();
      String where = " WHERE persistence_id = ? AND partition_nr = ?";
      List<String> cql = List.of(
          "UPDATE " + table + " SET head = ?" + where + " IF head = null",
          "UPDATE " + table + " SET head = ?" + where + " IF head = ?",
          "INSERT INTO " + table + " (persistence_id, partition_nr, sequence_nr, writer_uuid, ser_id,"
              + " ser_manifest, event_manifest, event, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          "SELECT sequence_nr, writer_uuid, ser_id, ser_manifest, event_manifest, event, written_at FROM "
              + table + where + " AND sequence_nr >= ? AND sequence_nr <= ?",
          "SELECT head FROM " + table + where + " LIMIT 1",
          "DELETE FROM " + table + where + " AND sequence_nr <= ?",
          "SELECT deleted_to FROM " + meta + " WHERE persistence_id = ?",
          "UPDATE " + meta + " SET deleted_to = ? WHERE persistence_id = ?");
      List<CompletableFuture<PreparedStatement>> prepared = new ArrayList<>();
      for (String statement : cql) {
        prepared.add(s.prepareAsync(statement).toCompletableFuture());
      }
      return CompletableFuture.allOf(prepared.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
        List<PreparedStatement> p = prepared.stream().map(CompletableFuture::join).toList();
        return new Statements(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6), p.get(7));
      });
    }
  }
}
