package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.cql.Row;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Deletion below a snapshot (docs/durability.md, "Deletes"): the deletion point first, a max
 * register a stale owner's late, lower point can never lower, so a recovery that then misses deleted
 * rows sees it and fails instead of replaying a gap; then the rows, in the previous format's table
 * and in the segments, then the index entries that name nothing above the point.
 */
final class JournalDeletion {

  private final JournalSettings settings;
  private final JournalSession cql;
  private final RecoveryReads reads;

  JournalDeletion(JournalSettings settings, JournalSession cql, RecoveryReads reads) {
    this.settings = settings;
    this.cql = cql;
    this.reads = reads;
  }

  /** Deletes {@code persistenceId}'s rows up to {@code toSequenceNr} (at most what its owner wrote). */
  CompletionStage<Void> deleteTo(String persistenceId, EpochOwner owner, long toSequenceNr) {
    long upTo;
    synchronized (owner) {
      upTo = Math.min(toSequenceNr, owner.next - 1);
    }
    return cql.statements().thenCompose(st ->
        cql.execute(st.selectDeletedTo().bind(persistenceId), settings.consistency()).thenCompose(rs -> {
          Row row = rs.one();
          long deletedTo = row == null || row.isNull("deleted_to") ? 0 : row.getLong("deleted_to");
          if (upTo <= deletedTo) {
            return CompletableFuture.completedFuture(null);
          }
          // The deletion point first: a recovery that then misses deleted rows sees it and fails. An
          // insert into a max register: a stale owner's late, lower point can never lower it.
          CompletionStage<Void> chain = cql.execute(st.insertDeletedTo().bind(upTo, persistenceId), settings.consistency())
              .thenCompose(ignored -> cql.execute(st.pruneDeletedTo().bind(persistenceId, upTo), settings.consistency()))
              .thenApply(ignored -> null);
          if (owner.legacyRows) {
            for (long p = settings.partitionOf(Math.max(1, deletedTo)); p <= settings.partitionOf(upTo); p++) {
              long partition = p;
              chain = chain.thenCompose(ignored -> cql.execute(st.deleteEvents().bind(persistenceId, partition, upTo),
                  settings.consistency()).thenApply(rs2 -> null));
            }
          }
          return chain.thenCompose(ignored -> deleteFromSegments(st, persistenceId, owner, upTo));
        }));
  }

  /**
   * Deletes {@code pid}'s rows up to {@code upTo} from the segments its index names, then the index
   * entries that name no row above it ({@link Segments#deletion}); rows before entries, so an entry
   * never outlives nothing but its own rows' absence.
   */
  private CompletionStage<Void> deleteFromSegments(JournalStatements st, String pid, EpochOwner owner, long upTo) {
    return reads.readIndex(st, pid).thenCompose(entries -> {
      Segments.Deletion deletion = Segments.deletion(entries, upTo, owner.starts, owner.epoch);
      List<Segments.Entry> drop = deletion.drop();
      Set<UUID> segments = new LinkedHashSet<>();
      drop.forEach(entry -> segments.add(entry.segment()));
      deletion.trim().forEach(entry -> segments.add(entry.segment()));
      CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
      for (UUID segment : segments) {
        chain = chain.thenCompose(ignored -> cql.execute(st.deleteRows().bind(owner.fenceKey, segment, pid, upTo),
            settings.consistency()).thenApply(rs -> null));
      }
      for (Segments.Entry entry : drop) {
        chain = chain.thenCompose(ignored -> cql.execute(st.deleteIndex().bind(pid, entry.epoch(), entry.first(),
            entry.segment()), settings.consistency()).thenApply(rs -> null));
      }
      return chain;
    });
  }
}
