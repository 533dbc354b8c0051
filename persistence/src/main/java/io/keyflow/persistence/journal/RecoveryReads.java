package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.cql.Row;
import io.keyflow.persistence.journal.EpochRules.Recovery;
import io.keyflow.persistence.journal.EpochRules.RowId;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.serialization.Serialization;

/**
 * The reading half of a recovery (docs/durability.md, "The protocol", steps 4, 5 and 7): every row of a persistence id from
 * its snapshot on, at QUORUM, from the segments its index names and from the table of the previous
 * format, and which of them are valid ({@link EpochRules}); and those rows back as Pekko's
 * representations for the replay.
 */
final class RecoveryReads {

  private final JournalSettings settings;
  private final JournalSession cql;
  private final Serialization serialization;
  /**
   * Whether the table of the previous format held no row when this journal started: then no
   * recovery reads it. Nothing writes it any more, and a node of that format cannot join a cluster of
   * this one, so a table empty at start stays empty.
   */
  private final CompletableFuture<Boolean> legacyTableEmpty;

  RecoveryReads(JournalSettings settings, JournalSession cql, Serialization serialization) {
    this.settings = settings;
    this.cql = cql;
    this.serialization = serialization;
    this.legacyTableEmpty = cql.statements()
        .thenCompose(st -> cql.execute(st.anyLegacyRow().bind(), settings.consistency()))
        .thenApply(rs -> rs.one() == null)
        // Unknown: read it, as before.
        .exceptionally(error -> false);
  }

  record Valid(Recovery recovery, List<Row> rows, boolean legacyRows) {}

  /**
   * Reads every row from {@code from} on at QUORUM (the segments the index names, and the table of
   * the previous format), then the deletion point, and decides which rows are valid
   * ({@link EpochRules#recover}). The valid rows come back in sequence number order.
   */
  CompletionStage<Valid> readValid(JournalStatements st, String pid, long from, NavigableMap<Long, Long> starts) {
    CompletionStage<List<Row>> legacy = legacyTableEmpty.thenCompose(empty -> empty
        ? CompletableFuture.completedFuture(List.<Row>of())
        : readRows(st, pid, settings.partitionOf(from), from, new ArrayList<>()));
    return readSegmentRows(st, pid, from, starts).thenCombine(legacy, (segmentRows, legacyRows) -> {
      List<Row> all = new ArrayList<>(legacyRows.size() + segmentRows.size());
      all.addAll(legacyRows);
      all.addAll(segmentRows);
      return new Read(all, !legacyRows.isEmpty());
    }).thenCompose(read -> cql.execute(st.selectDeletedTo().bind(pid), settings.consistency()).thenApply(rs -> {
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
      valid.sort(Comparator.comparingLong(row -> row.getLong("sequence_nr")));
      return new Valid(recovery, valid, read.legacyRows());
    }));
  }

  private record Read(List<Row> rows, boolean legacyRows) {}

  /** The index entries of {@code pid}, at QUORUM. */
  CompletionStage<List<Segments.Entry>> readIndex(JournalStatements st, String pid) {
    return cql.execute(st.selectIndex().bind(pid), settings.consistency())
        .thenCompose(rs -> JournalSession.collect(rs, new ArrayList<Segments.Entry>(), (entries, row) -> entries.add(
            new Segments.Entry(row.getLong("epoch"), row.getLong("first_sequence_nr"), row.getUuid("segment")))));
  }

  /**
   * The rows of {@code pid} from {@code from} on in every segment its index names for that, each kept
   * only if the segment was chosen for the row's own epoch ({@link Segments#toRead}).
   */
  private CompletionStage<List<Row>> readSegmentRows(JournalStatements st, String pid, long from, NavigableMap<Long, Long> starts) {
    String fenceKey = FencedCassandraJournal.fenceKeyOf(pid);
    return readIndex(st, pid).thenCompose(entries -> {
      CompletionStage<List<Row>> rows = CompletableFuture.completedFuture(new ArrayList<>());
      for (Map.Entry<UUID, Set<Long>> segment : Segments.toRead(entries, from, starts).entrySet()) {
        Set<Long> epochs = segment.getValue();
        rows = rows.thenCompose(into -> cql.execute(st.selectRows().bind(fenceKey, segment.getKey(), pid, from)
            .setPageSize(settings.replayPageSize()), settings.consistency())
            .thenCompose(rs -> JournalSession.collect(rs, into, (kept, row) -> {
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
  private CompletionStage<List<Row>> readRows(JournalStatements st, String pid, long partition, long from, List<Row> into) {
    long last = settings.lastOf(partition);
    return cql.execute(st.selectEvents().bind(pid, partition, from).setPageSize(settings.replayPageSize()),
        settings.consistency())
        .thenCompose(rs -> JournalSession.collect(rs, into, List::add))
        .thenCompose(rows -> {
          boolean full = !rows.isEmpty() && rows.get(rows.size() - 1).getLong("sequence_nr") == last;
          return full ? readRows(st, pid, partition + 1, settings.firstOf(partition + 1), rows)
              : CompletableFuture.completedFuture(rows);
        });
  }

  PersistentRepr toRepr(String pid, Row row) {
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
}
