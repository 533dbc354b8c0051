package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.cql.BatchableStatement;
import io.keyflow.persistence.cassandra.InsertBatcher;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The writing half of the protocol (docs/durability.md, "Writes" and "Segments"):
 * an owner's rows go, in order, into this node's open segment of its stage through the per-node
 * flush, and a write is reported complete only when its rows and all earlier rows of its epoch
 * landed and a QUORUM read of its fence partition, sent afterwards, still shows its epoch
 * ({@link FenceConfirmer}). A failed write marks the owner failed: nothing more is written until the
 * entity recovers again.
 */
final class JournalWrites {

  /** A row's fixed-size columns (sequence number, epoch, ids, timestamps), counted toward a flush's bytes. */
  private static final int ROW_OVERHEAD_BYTES = 48;

  private final JournalSettings settings;
  private final JournalSession cql;
  private final Serialization serialization;
  private final FenceConfirmer confirmer;
  private final InsertBatcher flush;
  private final Segments segments;

  JournalWrites(JournalSettings settings, JournalSession cql, Serialization serialization) {
    this.settings = settings;
    this.cql = cql;
    this.serialization = serialization;
    this.confirmer = new FenceConfirmer(this::readEpochs);
    this.flush = new InsertBatcher(statement -> cql.execute(statement, settings.consistency()),
        settings.flushMaxInFlight(), settings.flushMaxBatchBytes(), settings.flushMaxBatchRows());
    this.segments = new Segments(settings.segmentMaxBytes(), settings.segmentMaxAge().toNanos(), System::nanoTime);
  }

  /**
   * Writes {@code writes} (all of one persistent actor, in order) as {@code owner}; completes, with
   * one empty result per write, once they are confirmed.
   */
  CompletableFuture<Iterable<Optional<Exception>>> write(String pid, EpochOwner owner, List<AtomicWrite> writes) {
    List<Optional<Exception>> results = new ArrayList<>(writes.size());
    CompletableFuture<Void> landed;
    synchronized (owner) {
      landed = owner.landed;
      for (AtomicWrite write : writes) {
        results.add(Optional.empty());
        if (write.lowestSequenceNr() != owner.next) {
          return CompletableFuture.failedFuture(new IllegalStateException("write of " + pid + " at "
              + write.lowestSequenceNr() + " but its owner (epoch " + owner.epoch + ") is at " + owner.next));
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
    return done.thenApply(ignored -> (Iterable<Optional<Exception>>) results);
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
  private CompletableFuture<Void> insert(AtomicWrite write, EpochOwner owner) {
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
    return cql.statements().thenCompose(st -> {
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
    return cql.statements().thenCompose(st -> cql.execute(st.selectEpochs().bind(fenceKey, ids), settings.consistency()))
        .thenCompose(rs -> JournalSession.collect(rs, new HashMap<String, Long>(), (epochs, row) ->
            epochs.put(row.getString("persistence_id"), row.getLong("epoch"))));
  }
}
