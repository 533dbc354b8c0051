package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Every statement of the journal, prepared once per journal: the fence row (claims, recorded starts,
 * epochs), the segment rows and their index, the deletion point, and the previous format's table
 * (read and deleted, no longer written). The CQL is here in one place so that the protocol's
 * conditions ({@code IF epoch = ? AND starts[?] = ?}) can be read next to each other.
 */
record JournalStatements(
    PreparedStatement selectFence, PreparedStatement claimFirst, PreparedStatement claimNext,
    PreparedStatement recordStart, PreparedStatement selectEpochs,
    PreparedStatement selectEvents, PreparedStatement deleteEvents, PreparedStatement selectDeletedTo,
    PreparedStatement insertDeletedTo, PreparedStatement pruneDeletedTo, PreparedStatement insertRow,
    PreparedStatement insertIndex, PreparedStatement selectIndex, PreparedStatement selectRows,
    PreparedStatement deleteRows, PreparedStatement deleteIndex, PreparedStatement selectFences,
    PreparedStatement anyLegacyRow) {

  static CompletionStage<JournalStatements> prepare(CqlSession s, JournalSettings settings) {
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
      return new JournalStatements(p.get(0), p.get(1), p.get(2), p.get(3), p.get(4), p.get(5), p.get(6), p.get(7),
          p.get(8), p.get(9), p.get(10), p.get(11), p.get(12), p.get(13), p.get(14), p.get(15), p.get(16), p.get(17));
    });
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
}
