package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.Statement;
import com.typesafe.config.Config;
import io.keyflow.persistence.cassandra.InsertBatcher;
import io.keyflow.persistence.journal.EpochRules.Recovery;
import io.keyflow.persistence.journal.EpochRules.RowId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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
 * A Cassandra journal with plain appends that fences writers at ownership change: two writers of
 * one persistence id (a paused node that wakes after its key groups moved, and the node that took
 * them over) can never both have a write acknowledged at one sequence number.
 *
 * <p>The protocol (full text and safety argument: {@code docs/durability.md}):
 * <ul>
 *   <li>Each recovery claims the next <em>epoch</em> of the persistence id with one lightweight
 *       transaction on its fence row ({@code IF epoch = e AND starts[e] = <as read>}, so the starts
 *       it read are the fence's at the claim); an unknown outcome is resolved by a serial read of
 *       the row's {@code owner}, never by retrying blindly. The lightweight transactions and
 *       serial reads of one stage leave together ({@link FenceRounds}: conditional batches of at
 *       most one update per id, which apply exactly as the updates would alone).
 *   <li>The new owner reads every row from its snapshot on at QUORUM; its <em>start</em> is the
 *       first sequence number without a valid row, recorded with a lightweight transaction
 *       {@code IF epoch = mine} before its first write ({@link EpochRules} decides validity).
 *   <li>Rows are keyed (sequence number, epoch) and written once, by plain QUORUM inserts, into
 *       segments shared by the key groups of a stage on this node, found through a per-id index
 *       of (epoch, first sequence number, segment) written with the first row in each segment
 *       ({@link Segments}).
 *   <li>A write is reported complete to Pekko (so the state applies it, and anything can be acked,
 *       forwarded or snapshotted) only when its rows and all earlier rows of its epoch landed and a
 *       QUORUM read of its fence partition sent afterwards still shows its epoch
 *       ({@link FenceConfirmer}: one such read confirms all writes gathered on this node for that
 *       partition). A failed confirmation fails the write, which stops the entity.
 *   <li>Rows are deleted only below a snapshot; the deletion point (a max register) is written
 *       first, so a replay that meets deleted rows fails and recovers again from the newer snapshot.
 * </ul>
 *
 * <p>The fence partition of a persistence id {@code pipeline|stage|keyGroup} is
 * {@code pipeline|stage}: one row per key group.
 *
 * <p>Not supported: event tags (Keyflow reads journals by persistence id only; tags are dropped) and
 * event metadata (never written). Writes are accepted only from the owner that recovered on this
 * journal instance. Rows of the previous format (table {@code journal_events}, one partition per id)
 * are still read, and deleted below snapshots; they are no longer written.
 */
public final class FencedCassandraJournal extends AsyncWriteJournal {

  private static final int MAX_CLAIM_ATTEMPTS = 20;
  /** A lost claim waits a random 1 ms to attempt × this (at most 8 ×) before the next. */
  private static final long CLAIM_BACKOFF_MS = 10;
  /** A row's fixed-size columns (sequence number, epoch, ids, timestamps), counted toward a flush's bytes. */
  private static final int ROW_OVERHEAD_BYTES = 48;

  private final JournalSettings settings;
  private final Serialization serialization;
  private final CompletableFuture<CqlSession> session;
  private final CompletableFuture<Statements> statements;
  private final FenceConfirmer confirmer;
  private final InsertBatcher flush;
  private final FenceRounds<BoundStatement, Fence> rounds;
  private final Segments segments;
  /** The epoch this journal owns per persistence id, since its last recovery here. */
  private final Map<String, Owner> owners = new ConcurrentHashMap<>();
  /**
   * Whether the table of the previous format held no row when this journal started: then no
   * recovery reads it. Nothing writes it any more, and a node of that format cannot join a cluster of
   * this one, so a table empty at start stays empty.
   */
  private final CompletableFuture<Boolean> legacyTableEmpty;
  /** Valid rows read by a recovery, handed to the replay that follows it. */
  private final Map<String, List<Row>> recoveredRows = new ConcurrentHashMap<>();

  public FencedCassandraJournal(Config config, String configPath) {
    this.settings = JournalSettings.create(config);
    this.serialization = SerializationExtension.get(context().system());
    // The registry's stage would run every dependent stage asynchronously (a Scala future seen from
    // Java); a plain CompletableFuture lets appends continue on the driver's threads.
    this.session = plain(CassandraSessionRegistry.get(context().system())
        .sessionFor(CassandraSessionSettings.create(settings.sessionConfigPath()))
        .underlying());
    this.statements = plain(session.thenCompose(s -> Statements.prepare(s, settings)));
    this.confirmer = new FenceConfirmer(this::readEpochs);
    this.flush = new InsertBatcher(statement -> execute(statement, settings.consistency()),
        settings.flushMaxInFlight(), settings.flushMaxBatchBytes(), settings.flushMaxBatchRows());
    // A conditional update is bound from the prepared statements, so only the serial read waits for them.
    this.rounds = new FenceRounds<>(new FencePaxos(statement -> session.thenCompose(s -> plain(s.executeAsync(statement))),
        statements.thenApply(Statements::selectFences), settings.profile(), settings.consistency(),
        settings.serialConsistency()), settings.fenceRoundsInFlight(), settings.fenceRoundMaxBatch());
    this.legacyTableEmpty = statements.thenCompose(st -> execute(st.anyLegacyRow().bind(), settings.consistency()))
        .thenApply(rs -> rs.one() == null)
        // Unknown: read it, as before.
        .exceptionally(error -> false);
    this.segments = new Segments(settings.segmentMaxBytes(), settings.segmentMaxAge().toNanos(), System::nanoTime);
  }

  /** A write or a recovery was refused because another writer owns the persistence id now. */
  public static final class WriterConflictException extends RuntimeException {
    WriterConflictException(String persistenceId, long epoch, Long found) {
      super("journal of " + persistenceId + " is owned by epoch " + found + ", not by this writer's epoch "
          + epoch + " (another node recovered it; this writer is stale and must recover before writing)");
    }

    WriterConflictException(String message) {
      super(message);
    }
  }

  /** The fence partition of a persistence id: everything before its last {@code '|'}. */
  static String fenceKeyOf(String persistenceId) {
    int bar = persistenceId.lastIndexOf('|');
    return bar < 0 ? persistenceId : persistenceId.substring(0, bar);
  }

  /** This journal's ownership of one persistence id, from its recovery on. */
  private static final class Owner {
    final long epoch;
    final String fenceKey;
    /** The recorded starts as this owner knows them: those at its claim, and its own. */
    final NavigableMap<Long, Long> starts;
    /** Whether its recovery found rows in the table of the previous format (then deletions go there too). */
    final boolean legacyRows;
    /** The segment this owner's index entries name last; guarded by this. */
    UUID indexed;
    /** The next sequence number to write; guarded by this. */
    long next;
    /** Completes when all rows written so far have landed; guarded by this. */
    CompletableFuture<Void> landed = CompletableFuture.completedFuture(null);
    /** Set by a failed write: nothing more is written until the entity recovers again. */
    volatile Throwable failed;

    Owner(long epoch, String fenceKey, long start, NavigableMap<Long, Long> claimedStarts, boolean legacyRows) {
      this.epoch = epoch;
      this.fenceKey = fenceKey;
      this.next = start;
      TreeMap<Long, Long> known = new TreeMap<>(claimedStarts);
      known.put(epoch, start);
      this.starts = java.util.Collections.unmodifiableNavigableMap(known);
      this.legacyRows = legacyRows;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    // All atomic writes of one call come from one persistent actor, in order.
    List<AtomicWrite> writes = new ArrayList<>();
    messages.forEach(writes::add);
    if (writes.isEmpty()) {
      return toScala(CompletableFuture.completedFuture(List.of()));
    }
    String pid = writes.get(0).persistenceId();
    Owner owner = owners.get(pid);
    if (owner == null) {
      return toScala(CompletableFuture.failedFuture(new IllegalStateException("journal of " + pid
          + " was not recovered by this journal: a writer must recover (claim an epoch) before writing")));
    }
    if (owner.failed != null) {
      return toScala(CompletableFuture.failedFuture(new IllegalStateException(
          "an earlier write of " + pid + " failed; the writer must recover first", owner.failed)));
    }
    List<Optional<Exception>> results = new ArrayList<>(writes.size());
    CompletableFuture<Void> landed;
    synchronized (owner) {
      landed = owner.landed;
      for (AtomicWrite write : writes) {
        results.add(Optional.empty());
        if (write.lowestSequenceNr() != owner.next) {
          return toScala(CompletableFuture.failedFuture(new IllegalStateException("write of " + pid + " at "
              + write.lowestSequenceNr() + " but its owner (epoch " + owner.epoch + ") is at " + owner.next)));
        }
        owner.next = write.highestSequenceNr() + 1;
        landed = landed.thenCombine(insert(write, owner), (a, b) -> null);
      }
      owner.landed = landed;
    }
    CompletableFuture<Void> done = landed
        .thenCompose(ignored -> confirmer.confirm(owner.fenceKey, pid, owner.epoch));
    done.whenComplete((ignored, error) -> {
      if (error != null) {
        owner.failed = error;
      }
    });
    return toScala(done.thenApply(ignored -> (Iterable<Optional<Exception>>) results));
  }

  /**
   * The rows of one atomic write, in this node's open segment of its stage: one partition shared
   * with the rows of the stage's other key groups in the same flush, so one mutation for all of
   * them, at QUORUM. A write that is the owner's first in that segment carries the index entry
   * naming it, in the same flush (docs/durability.md, "Segments"). A batch that failed or timed out
   * fails every write in it; each of those entities stops and recovers, as after a failed single
   * insert (rows are written once per (sequence number, epoch), always with the same bytes). A write
   * is reported complete only after its batch answered and its confirmation read, sent after that,
   * still shows its epoch. Called in order per owner, holding its lock.
   */
  private CompletableFuture<Void> insert(AtomicWrite write, Owner owner) {
    String pid = write.persistenceId();
    long now = System.currentTimeMillis();
    List<PersistentRepr> reprs = CollectionConverters.asJava(write.payload());
    List<byte[]> events = new ArrayList<>(reprs.size());
    List<Serializer> serializers = new ArrayList<>(reprs.size());
    List<String> manifests = new ArrayList<>(reprs.size());
    long bytes = 0;
    for (PersistentRepr repr : reprs) {
      Object payload = repr.payload() instanceof Tagged tagged ? tagged.payload() : repr.payload();
      Serializer serializer = serialization.findSerializerFor(payload);
      byte[] event = serializer.toBinary(payload);
      String manifest = Serializers.manifestFor(serializer, payload);
      events.add(event);
      serializers.add(serializer);
      manifests.add(manifest);
      bytes += event.length + pid.length() + manifest.length() + repr.writerUuid().length() + ROW_OVERHEAD_BYTES;
    }
    UUID segment = segments.writeTo(owner.fenceKey, bytes);
    boolean index = !segment.equals(owner.indexed);
    owner.indexed = segment;
    long flushBytes = bytes + (index ? pid.length() + ROW_OVERHEAD_BYTES : 0);
    return statements.thenCompose(st -> {
      List<BatchableStatement<?>> rows = new ArrayList<>(reprs.size() + 1);
      if (index) {
        rows.add(st.insertIndex().bind(pid, owner.epoch, write.lowestSequenceNr(), segment));
      }
      for (int i = 0; i < reprs.size(); i++) {
        PersistentRepr repr = reprs.get(i);
        rows.add(st.insertRow().bind(owner.fenceKey, segment, pid, repr.sequenceNr(), owner.epoch, repr.writerUuid(),
            serializers.get(i).identifier(), manifests.get(i), repr.manifest(), ByteBuffer.wrap(events.get(i)),
            repr.timestamp() > 0 ? repr.timestamp() : now));
      }
      return flush.submit(rows, flushBytes);
    });
  }

  private CompletionStage<Map<String, Long>> readEpochs(String fenceKey, Set<String> persistenceIds) {
    // QUORUM, not SERIAL: a claim returns only once committed at a quorum (docs/durability.md, point 2).
    // Only the waiting ids' rows: a stage's partition holds one row per key group.
    List<String> ids = List.copyOf(persistenceIds);
    return statements.thenCompose(st -> execute(st.selectEpochs().bind(fenceKey, ids), settings.consistency()))
        .thenCompose(rs -> collect(rs, new HashMap<String, Long>(), (epochs, row) ->
            epochs.put(row.getString("persistence_id"), row.getLong("epoch"))));
  }

  // ---------------------------------------------------------------------------------------------
  // Recovery

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    // Pekko asks from the sequence number before the first one it replays (its snapshot's).
    long from = Math.max(1, fromSequenceNr + 1);
    owners.remove(persistenceId);
    recoveredRows.remove(persistenceId);
    String fenceKey = fenceKeyOf(persistenceId);
    UUID claimId = UUID.randomUUID();
    return toScala(statements.thenCompose(st -> claim(st, persistenceId, fenceKey, claimId).thenCompose(claimed ->
        readValid(st, persistenceId, from, claimed.starts()).thenCompose(valid ->
            recordStart(st, persistenceId, fenceKey, claimed.epoch(), valid.recovery().start()).thenApply(ignored -> {
              owners.put(persistenceId, new Owner(claimed.epoch(), fenceKey, valid.recovery().start(), claimed.starts(),
                  valid.legacyRows()));
              recoveredRows.put(persistenceId, valid.rows());
              return valid.recovery().highest();
            })))));
  }

  private CompletionStage<Fence> readFence(Statements st, String pid, String fenceKey, ConsistencyLevel consistency) {
    if (consistency.isSerial()) {
      // A serial read is a Paxos round on the partition: with the claims (FenceRounds).
      return rounds.serialRead(fenceKey, pid).thenApply(Fence::orNone);
    }
    return execute(st.selectFence().bind(fenceKey, pid), consistency).thenApply(r -> Fence.of(r.one()));
  }

  /** The fence a recovery claimed: its epoch, and the starts as they stood when the claim applied. */
  private record Claimed(long epoch, NavigableMap<Long, Long> starts) {}

  /**
   * Claims the epoch after the current one. The first guess of the current fence is a plain QUORUM
   * read; the claim is conditioned on the epoch and on that epoch's start, the only entry its owner
   * may still add, so the starts read are exactly those at the claim. A claim that does not apply
   * returns the current fence, which the next attempt uses; an unknown outcome is settled by a serial
   * read of the owner. Lost claims back off a random while (a failover claims dozens of rows of one
   * partition at once).
   */
  private CompletionStage<Claimed> claim(Statements st, String pid, String fenceKey, UUID claimId) {
    return readFence(st, pid, fenceKey, settings.consistency())
        .thenCompose(current -> claim(st, pid, fenceKey, claimId, current, 1));
  }

  private CompletionStage<Claimed> claim(Statements st, String pid, String fenceKey, UUID claimId, Fence current,
      int attempt) {
    if (attempt > MAX_CLAIM_ATTEMPTS) {
      return CompletableFuture.failedFuture(new WriterConflictException("journal of " + pid + ": "
          + MAX_CLAIM_ATTEMPTS + " claims of its next epoch lost to other writers; giving up this recovery"));
    }
    long epoch = current.epoch() + 1;
    Long startOfCurrent = current.starts().get(current.epoch());
    BoundStatement claim = current.epoch() == 0
        ? st.claimFirst().bind(fenceKey, pid, claimId)
        : st.claimNext().bind(epoch, claimId, fenceKey, pid, current.epoch(), current.epoch(), startOfCurrent);
    java.util.function.Predicate<Fence> holds = current.epoch() == 0
        ? row -> row == null
        : row -> row != null && row.epoch() == current.epoch()
            && java.util.Objects.equals(row.starts().get(current.epoch()), startOfCurrent);
    CompletableFuture<Claimed> claimed = new CompletableFuture<>();
    rounds.conditional(fenceKey, pid, claim, holds).whenComplete((outcome, error) -> {
      if (error == null && outcome.applied()) {
        claimed.complete(new Claimed(epoch, current.starts()));
        return;
      }
      CompletionStage<Fence> now = error == null
          ? CompletableFuture.completedFuture(Fence.orNone(outcome.current()))
          // Unknown outcome: the serial read of the owner tells whether this claim applied.
          : readFence(st, pid, fenceKey, settings.serialConsistency());
      now.whenComplete((after, readError) -> {
        if (readError != null) {
          claimed.completeExceptionally(error != null ? error : readError);
        } else if (claimId.equals(after.owner())) {
          claimed.complete(new Claimed(after.epoch(), after.starts()));
        } else {
          long pause = ThreadLocalRandom.current().nextLong(1, CLAIM_BACKOFF_MS * Math.min(attempt, 8) + 1);
          CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS))
              .thenCompose(ignored -> claim(st, pid, fenceKey, claimId, after, attempt + 1))
              .whenComplete((c, again) -> {
                if (again != null) {
                  claimed.completeExceptionally(again);
                } else {
                  claimed.complete(c);
                }
              });
        }
      });
    });
    return claimed;
  }

  private CompletionStage<Void> recordStart(Statements st, String pid, String fenceKey, long epoch, long start) {
    CompletableFuture<Void> recorded = new CompletableFuture<>();
    rounds.conditional(fenceKey, pid, st.recordStart().bind(epoch, start, fenceKey, pid, epoch),
        row -> row != null && row.epoch() == epoch).whenComplete((outcome, error) -> {
      if (error == null) {
        if (outcome.applied()) {
          recorded.complete(null);
        } else {
          recorded.completeExceptionally(new WriterConflictException(pid, epoch,
              outcome.current() == null ? null : outcome.current().epoch()));
        }
        return;
      }
      readFence(st, pid, fenceKey, settings.serialConsistency()).whenComplete((after, readError) -> {
        if (readError != null) {
          recorded.completeExceptionally(error);
        } else if (after.epoch() != epoch) {
          recorded.completeExceptionally(new WriterConflictException(pid, epoch, after.epoch()));
        } else if (Long.valueOf(start).equals(after.starts().get(epoch))) {
          recorded.complete(null);
        } else {
          recordStart(st, pid, fenceKey, epoch, start).whenComplete((ignored, again) -> {
            if (again != null) {
              recorded.completeExceptionally(again);
            } else {
              recorded.complete(null);
            }
          });
        }
      });
    });
    return recorded;
  }

  private record Valid(Recovery recovery, List<Row> rows, boolean legacyRows) {}

  /**
   * Reads every row from {@code from} on at QUORUM (the segments the index names, and the table of
   * the previous format), then the deletion point, and decides which rows are valid
   * ({@link EpochRules#recover}). The valid rows come back in sequence number order.
   */
  private CompletionStage<Valid> readValid(Statements st, String pid, long from, NavigableMap<Long, Long> starts) {
    CompletionStage<List<Row>> legacy = legacyTableEmpty.thenCompose(empty -> empty
        ? CompletableFuture.completedFuture(List.<Row>of())
        : readRows(st, pid, settings.partitionOf(from), from, new ArrayList<>()));
    return readSegmentRows(st, pid, from, starts).thenCombine(legacy, (segmentRows, legacyRows) -> {
      List<Row> all = new ArrayList<>(legacyRows.size() + segmentRows.size());
      all.addAll(legacyRows);
      all.addAll(segmentRows);
      return new Read(all, !legacyRows.isEmpty());
    }).thenCompose(read -> execute(st.selectDeletedTo().bind(pid), settings.consistency()).thenApply(rs -> {
      Row meta = rs.one();
      long deletedTo = meta == null || meta.isNull("deleted_to") ? 0 : meta.getLong("deleted_to");
      List<RowId> ids = new ArrayList<>(read.rows().size());
      for (Row row : read.rows()) {
        ids.add(new RowId(row.getLong("sequence_nr"), row.getLong("epoch")));
      }
      Recovery recovery = EpochRules.ALL.recover(pid, from, ids, starts, deletedTo);
      List<Row> valid = new ArrayList<>(recovery.valid().size());
      for (Row row : read.rows()) {
        Long epoch = recovery.valid().get(row.getLong("sequence_nr"));
        if (epoch != null && epoch == row.getLong("epoch")) {
          valid.add(row);
        }
      }
      valid.sort(java.util.Comparator.comparingLong(row -> row.getLong("sequence_nr")));
      return new Valid(recovery, valid, read.legacyRows());
    }));
  }

  private record Read(List<Row> rows, boolean legacyRows) {}

  /** The index entries of {@code pid}, at QUORUM. */
  private CompletionStage<List<Segments.Entry>> readIndex(Statements st, String pid) {
    return execute(st.selectIndex().bind(pid), settings.consistency())
        .thenCompose(rs -> collect(rs, new ArrayList<Segments.Entry>(), (entries, row) -> entries.add(
            new Segments.Entry(row.getLong("epoch"), row.getLong("first_sequence_nr"), row.getUuid("segment")))));
  }

  /**
   * The rows of {@code pid} from {@code from} on in every segment its index names for that, each kept
   * only if the segment was chosen for the row's own epoch ({@link Segments#toRead}).
   */
  private CompletionStage<List<Row>> readSegmentRows(Statements st, String pid, long from, NavigableMap<Long, Long> starts) {
    String fenceKey = fenceKeyOf(pid);
    return readIndex(st, pid).thenCompose(entries -> {
      CompletionStage<List<Row>> rows = CompletableFuture.completedFuture(new ArrayList<>());
      for (Map.Entry<UUID, Set<Long>> segment : Segments.toRead(entries, from, starts).entrySet()) {
        Set<Long> epochs = segment.getValue();
        rows = rows.thenCompose(into -> execute(st.selectRows().bind(fenceKey, segment.getKey(), pid, from)
            .setPageSize(settings.replayPageSize()), settings.consistency())
            .thenCompose(rs -> collect(rs, into, (kept, row) -> {
              if (epochs.contains(row.getLong("epoch"))) {
                kept.add(row);
              }
            })));
      }
      return rows;
    });
  }

  /**
   * All rows from {@code from} on, partition after partition. The next partition is read only when
   * this one holds a row at its last sequence number: sequence numbers are written in order, so a
   * partition short of its end has no valid successor.
   */
  private CompletionStage<List<Row>> readRows(Statements st, String pid, long partition, long from, List<Row> into) {
    long last = settings.lastOf(partition);
    return execute(st.selectEvents().bind(pid, partition, from).setPageSize(settings.replayPageSize()),
        settings.consistency())
        .thenCompose(rs -> collect(rs, into, List::add))
        .thenCompose(rows -> {
          boolean full = !rows.isEmpty() && rows.get(rows.size() - 1).getLong("sequence_nr") == last;
          return full ? readRows(st, pid, partition + 1, settings.firstOf(partition + 1), rows)
              : CompletableFuture.completedFuture(rows);
        });
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId, long fromSequenceNr, long toSequenceNr, long max, Consumer<PersistentRepr> replayCallback) {
    List<Row> cached = recoveredRows.remove(persistenceId);
    CompletionStage<List<Row>> rows = cached != null
        ? CompletableFuture.completedFuture(cached)
        // Not right after a recovery here (no Pekko flow does this): read without claiming.
        : statements.thenCompose(st -> readFence(st, persistenceId, fenceKeyOf(persistenceId), settings.serialConsistency())
            .thenCompose(fence -> readValid(st, persistenceId, Math.max(1, fromSequenceNr), fence.starts()))
            .thenApply(Valid::rows));
    return toScala(rows.thenApply(valid -> {
      long remaining = max;
      for (Row row : valid) {
        long seq = row.getLong("sequence_nr");
        if (remaining <= 0 || seq > toSequenceNr) {
          break;
        }
        if (seq >= fromSequenceNr) {
          replayCallback.accept(toRepr(persistenceId, row));
          remaining--;
        }
      }
      return null;
    }));
  }

  private PersistentRepr toRepr(String pid, Row row) {
    ByteBuffer buffer = row.getByteBuffer("event");
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    Object payload = serialization.deserialize(bytes, row.getInt("ser_id"), row.getString("ser_manifest")).get();
    String eventManifest = row.getString("event_manifest");
    return PersistentRepr.apply(payload, row.getLong("sequence_nr"), pid,
            eventManifest == null ? PersistentRepr.Undefined() : eventManifest, false, ActorRef.noSender(),
            row.getString("writer_uuid"))
        .withTimestamp(row.getLong("written_at"));
  }

  // ---------------------------------------------------------------------------------------------
  // Deletion

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    Owner owner = owners.get(persistenceId);
    if (owner == null) {
      return toScala(CompletableFuture.failedFuture(new IllegalStateException("journal of " + persistenceId
          + " was not recovered by this journal: only its owner deletes (below a snapshot it saved)")));
    }
    long upTo;
    synchronized (owner) {
      upTo = Math.min(toSequenceNr, owner.next - 1);
    }
    return toScala(statements.thenCompose(st ->
        execute(st.selectDeletedTo().bind(persistenceId), settings.consistency()).thenCompose(rs -> {
          Row row = rs.one();
          long deletedTo = row == null || row.isNull("deleted_to") ? 0 : row.getLong("deleted_to");
          if (upTo <= deletedTo) {
            return CompletableFuture.completedFuture(null);
          }
          // The deletion point first: a recovery that then misses deleted rows sees it and fails. An
          // insert into a max register: a stale owner's late, lower point can never lower it.
          CompletionStage<Void> chain = execute(st.insertDeletedTo().bind(upTo, persistenceId), settings.consistency())
              .thenCompose(ignored -> execute(st.pruneDeletedTo().bind(persistenceId, upTo), settings.consistency()))
              .thenApply(ignored -> null);
          if (owner.legacyRows) {
            for (long p = settings.partitionOf(Math.max(1, deletedTo)); p <= settings.partitionOf(upTo); p++) {
              long partition = p;
              chain = chain.thenCompose(ignored -> execute(st.deleteEvents().bind(persistenceId, partition, upTo),
                  settings.consistency()).thenApply(rs2 -> null));
            }
          }
          return chain.thenCompose(ignored -> deleteFromSegments(st, persistenceId, owner, upTo));
        })));
  }

  /**
   * Deletes {@code pid}'s rows up to {@code upTo} from the segments its index names, then the index
   * entries that name no row above it ({@link Segments#deletion}); rows before entries, so an entry
   * never outlives nothing but its own rows' absence.
   */
  private CompletionStage<Void> deleteFromSegments(Statements st, String pid, Owner owner, long upTo) {
    return readIndex(st, pid).thenCompose(entries -> {
      Segments.Deletion deletion = Segments.deletion(entries, upTo, owner.starts, owner.epoch);
      List<Segments.Entry> drop = deletion.drop();
      Set<UUID> segments = new java.util.LinkedHashSet<>();
      drop.forEach(entry -> segments.add(entry.segment()));
      deletion.trim().forEach(entry -> segments.add(entry.segment()));
      CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
      for (UUID segment : segments) {
        chain = chain.thenCompose(ignored -> execute(st.deleteRows().bind(owner.fenceKey, segment, pid, upTo),
            settings.consistency()).thenApply(rs -> null));
      }
      for (Segments.Entry entry : drop) {
        chain = chain.thenCompose(ignored -> execute(st.deleteIndex().bind(pid, entry.epoch(), entry.first(),
            entry.segment()), settings.consistency()).thenApply(rs -> null));
      }
      return chain;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Driver plumbing

  private CompletableFuture<AsyncResultSet> execute(Statement<?> statement, ConsistencyLevel consistency) {
    return session.thenCompose(s -> plain(s.executeAsync(statement
        .setExecutionProfileName(settings.profile())
        .setConsistencyLevel(consistency))));
  }

  private interface RowSink<T> {
    void add(T into, Row row);
  }

  private static <T> CompletionStage<T> collect(AsyncResultSet rs, T into, RowSink<T> sink) {
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

  /**
   * The claim of the epoch after {@code e}: binds the new epoch, the owner, the fence key, the
   * persistence id, {@code e}, {@code e} again and e's start as the claimer read it (null: none).
   */
  static String claimNextCql(String fenceTable) {
    return "UPDATE " + fenceTable + " SET epoch = ?, owner = ? WHERE fence_key = ? AND persistence_id = ?"
        + " IF epoch = ? AND starts[?] = ?";
  }

  /** The record of an epoch's start: binds the epoch, its start, the fence key, the persistence id, the epoch. */
  static String recordStartCql(String fenceTable) {
    return "UPDATE " + fenceTable + " SET starts[?] = ? WHERE fence_key = ? AND persistence_id = ? IF epoch = ?";
  }

  /** The journal's prepared statements. */
  private record Statements(
      PreparedStatement selectFence, PreparedStatement claimFirst, PreparedStatement claimNext,
      PreparedStatement recordStart, PreparedStatement selectEpochs,
      PreparedStatement selectEvents, PreparedStatement deleteEvents, PreparedStatement selectDeletedTo,
      PreparedStatement insertDeletedTo, PreparedStatement pruneDeletedTo, PreparedStatement insertRow,
      PreparedStatement insertIndex, PreparedStatement selectIndex, PreparedStatement selectRows,
      PreparedStatement deleteRows, PreparedStatement deleteIndex, PreparedStatement selectFences,
      PreparedStatement anyLegacyRow) {

    static CompletionStage<Statements> prepare(CqlSession s, JournalSettings settings) {
      String events = settings.keyspace() + "." + settings.table();
      String fences = settings.keyspace() + "." + settings.fenceTable();
      String meta = settings.keyspace() + "." + settings.metadataTable();
      String rows = settings.keyspace() + "." + settings.segmentTable();
      String index = settings.keyspace() + "." + settings.segmentIndexTable();
      String slice = " WHERE fence_key = ? AND segment = ? AND persistence_id = ?";
      String fenceRow = " WHERE fence_key = ? AND persistence_id = ?";
      String partition = " WHERE persistence_id = ? AND partition_nr = ?";
      List<String> cql = List.of(
          "SELECT epoch, owner, starts FROM " + fences + fenceRow,
          "INSERT INTO " + fences + " (fence_key, persistence_id, epoch, owner) VALUES (?, ?, 1, ?) IF NOT EXISTS",
          claimNextCql(fences),
          recordStartCql(fences),
          "SELECT persistence_id, epoch FROM " + fences + " WHERE fence_key = ? AND persistence_id IN ?",
          "SELECT sequence_nr, epoch, writer_uuid, ser_id, ser_manifest, event_manifest, event, written_at FROM "
              + events + partition + " AND sequence_nr >= ?",
          "DELETE FROM " + events + partition + " AND sequence_nr <= ?",
          "SELECT deleted_to FROM " + meta + " WHERE persistence_id = ? LIMIT 1",
          "INSERT INTO " + meta + " (deleted_to, persistence_id) VALUES (?, ?)",
          "DELETE FROM " + meta + " WHERE persistence_id = ? AND deleted_to < ?",
          "INSERT INTO " + rows + " (fence_key, segment, persistence_id, sequence_nr, epoch, writer_uuid, ser_id,"
              + " ser_manifest, event_manifest, event, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          "INSERT INTO " + index + " (persistence_id, epoch, first_sequence_nr, segment) VALUES (?, ?, ?, ?)",
          "SELECT epoch, first_sequence_nr, segment FROM " + index + " WHERE persistence_id = ?",
          "SELECT sequence_nr, epoch, writer_uuid, ser_id, ser_manifest, event_manifest, event, written_at FROM "
              + rows + slice + " AND sequence_nr >= ?",
          "DELETE FROM " + rows + slice + " AND sequence_nr <= ?",
          "DELETE FROM " + index + " WHERE persistence_id = ? AND epoch = ? AND first_sequence_nr = ? AND segment = ?",
          FencePaxos.selectFencesCql(fences),
          "SELECT persistence_id FROM " + events + " LIMIT 1");
      List<CompletableFuture<PreparedStatement>> prepared = new ArrayList<>();
      for (String statement : cql) {
        prepared.add(s.prepareAsync(statement).toCompletableFuture());
      }
      return CompletableFuture.allOf(prepared.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
        List<PreparedStatement> p = prepared.stream().map(CompletableFuture::join).toList();
        return new Statements(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6), p.get(7),
            p.get(8), p.get(9), p.get(10), p.get(11), p.get(12), p.get(13), p.get(14), p.get(15), p.get(16), p.get(17));
      });
    }
  }
}
