package io.keyflow.persistence.journal;

import static io.keyflow.persistence.journal.JournalSession.toScala;

import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import scala.concurrent.Future;

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
 * <p>The pieces: {@link EpochClaims} claims epochs and records starts, {@link RecoveryReads} reads
 * and validates rows, {@link JournalWrites} writes and confirms, {@link JournalDeletion} deletes
 * below snapshots, all through {@link JournalSession} and {@link JournalStatements}; this class
 * holds the owners and answers Pekko.
 *
 * <p>Not supported: event tags (Keyflow reads journals by persistence id only; tags are dropped) and
 * event metadata (never written). Writes are accepted only from the owner that recovered on this
 * journal instance. Rows of the previous format (table {@code journal_events}, one partition per id)
 * are still read, and deleted below snapshots; they are no longer written.
 */
public final class FencedCassandraJournal extends AsyncWriteJournal {

  private final JournalSettings settings;
  private final JournalSession cql;
  private final EpochClaims claims;
  private final RecoveryReads reads;
  private final JournalWrites appends;
  private final JournalDeletion deletion;
  /** The epoch this journal owns per persistence id, since its last recovery here. */
  private final Map<String, EpochOwner> owners = new ConcurrentHashMap<>();
  /** Valid rows read by a recovery, handed to the replay that follows it. */
  private final Map<String, List<Row>> recoveredRows = new ConcurrentHashMap<>();

  public FencedCassandraJournal(Config config, String configPath) {
    this.settings = JournalSettings.create(config);
    Serialization serialization = SerializationExtension.get(context().system());
    this.cql = new JournalSession(context().system(), settings);
    this.appends = new JournalWrites(settings, cql, serialization);
    this.claims = new EpochClaims(settings, cql);
    this.reads = new RecoveryReads(settings, cql, serialization);
    this.deletion = new JournalDeletion(settings, cql, reads);
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

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    // All atomic writes of one call come from one persistent actor, in order.
    List<AtomicWrite> writes = new ArrayList<>();
    messages.forEach(writes::add);
    if (writes.isEmpty()) {
      return toScala(CompletableFuture.completedFuture(List.of()));
    }
    String pid = writes.get(0).persistenceId();
    EpochOwner owner = owners.get(pid);
    if (owner == null) {
      return toScala(CompletableFuture.failedFuture(new IllegalStateException("journal of " + pid
          + " was not recovered by this journal: a writer must recover (claim an epoch) before writing")));
    }
    if (owner.failed != null) {
      return toScala(CompletableFuture.failedFuture(new IllegalStateException(
          "an earlier write of " + pid + " failed; the writer must recover first", owner.failed)));
    }
    return toScala(appends.write(pid, owner, writes));
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    // Pekko asks from the sequence number before the first one it replays (its snapshot's).
    long from = Math.max(1, fromSequenceNr + 1);
    owners.remove(persistenceId);
    recoveredRows.remove(persistenceId);
    String fenceKey = fenceKeyOf(persistenceId);
    UUID claimId = UUID.randomUUID();
    return toScala(cql.statements().thenCompose(st -> claims.claim(st, persistenceId, fenceKey, claimId).thenCompose(claimed ->
        reads.readValid(st, persistenceId, from, claimed.starts()).thenCompose(valid ->
            claims.recordStart(st, persistenceId, fenceKey, claimed.epoch(), valid.recovery().start()).thenApply(ignored -> {
              owners.put(persistenceId, new EpochOwner(claimed.epoch(), fenceKey, valid.recovery().start(), claimed.starts(),
                  valid.legacyRows()));
              recoveredRows.put(persistenceId, valid.rows());
              return valid.recovery().highest();
            })))));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(
      String persistenceId, long fromSequenceNr, long toSequenceNr, long max, Consumer<PersistentRepr> replayCallback) {
    List<Row> cached = recoveredRows.remove(persistenceId);
    CompletionStage<List<Row>> rows = cached != null
        ? CompletableFuture.completedFuture(cached)
        // Not right after a recovery here (no Pekko flow does this): read without claiming.
        : cql.statements().thenCompose(st -> claims.readFence(st, persistenceId, fenceKeyOf(persistenceId), settings.serialConsistency())
            .thenCompose(fence -> reads.readValid(st, persistenceId, Math.max(1, fromSequenceNr), fence.starts()))
            .thenApply(RecoveryReads.Valid::rows));
    return toScala(rows.thenApply(valid -> {
      long remaining = max;
      for (Row row : valid) {
        long seq = row.getLong("sequence_nr");
        if (remaining <= 0 || seq > toSequenceNr) {
          break;
        }
        if (seq >= fromSequenceNr) {
          replayCallback.accept(reads.toRepr(persistenceId, row));
          remaining--;
        }
      }
      return null;
    }));
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    EpochOwner owner = owners.get(persistenceId);
    if (owner == null) {
      return toScala(CompletableFuture.failedFuture(new IllegalStateException("journal of " + persistenceId
          + " was not recovered by this journal: only its owner deletes (below a snapshot it saved)")));
    }
    return toScala(deletion.deleteTo(persistenceId, owner, toSequenceNr));
  }
}
