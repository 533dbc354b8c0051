package io.keyflow.persistence;

import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.ForwardApplied;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity.ProcessingTimeAdvanced;
import io.keyflow.persistence.KeyGroupEntity.SnapshotMarker;
import io.keyflow.persistence.KeyGroupEntity.WatermarkAdvanced;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.runtime.Output;
import io.keyflow.pipeline.runtime.StageOperator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pure state logic of one {@link KeyGroupEntity}, with no actor or journal in sight: what each
 * journal event does to the {@link KeyGroupState} (run the {@link StageOperator}, put its outputs in
 * the outbox, remember applied part ids and high-water marks, drop the outputs both destinations
 * have), and which parts and forwarded records of a command that bookkeeping finds new.
 */
final class KeyGroupTransitions {

  /** For each part of a batch, whether it was applied before; and the new parts that have records. */
  record NewParts(List<Boolean> duplicate, List<Part> fresh) {}

  private final StageOperator operator;
  private final PersistenceSettings settings;
  private final boolean forwarding;

  /**
   * Pekko evaluates the empty state once per behavior and starts every recovery from that same
   * object, also after a restart on a journal failure. The state is changed in place, so that object
   * must never be changed: every event switches to a fresh copy first (see {@link #writable}).
   */
  private final KeyGroupState template = KeyGroupState.empty();

  /** {@code forwarding}: whether the stage has a next stage its outputs must also reach. */
  KeyGroupTransitions(StageOperator operator, PersistenceSettings settings, boolean forwarding) {
    this.operator = operator;
    this.settings = settings;
    this.forwarding = forwarding;
  }

  KeyGroupState emptyState() {
    return template;
  }

  private KeyGroupState writable(KeyGroupState state) {
    return state == template ? KeyGroupState.empty() : state;
  }

  /**
   * A part with an id this key group already applied (within its idempotency window), or that
   * appeared earlier in the same batch, is a duplicate.
   */
  static NewParts newParts(KeyGroupState state, List<Part> parts) {
    List<Boolean> duplicate = new ArrayList<>(parts.size());
    List<Part> fresh = new ArrayList<>();
    Set<String> inThisBatch = new HashSet<>();
    for (Part part : parts) {
      boolean seen = part.id() != null && (state.appliedIds().containsKey(part.id()) || !inThisBatch.add(part.id()));
      duplicate.add(seen);
      if (!seen && !part.records().isEmpty()) {
        fresh.add(part);
      }
    }
    return new NewParts(duplicate, fresh);
  }

  /** The records from {@code source} above its high-water mark (the rest were applied before). */
  static List<Forwarded> newRecords(KeyGroupState state, String source, List<Forwarded> records) {
    long highWater = state.highWater().getOrDefault(source, 0L);
    List<Forwarded> fresh = new ArrayList<>();
    for (Forwarded f : records) {
      if (f.seq() > highWater) {
        fresh.add(f);
      }
    }
    return fresh;
  }

  KeyGroupState batchApplied(KeyGroupState current, BatchApplied event) {
    KeyGroupState state = writable(current);
    List<Record> records = new ArrayList<>();
    for (Part part : event.parts()) {
      records.addAll(part.records());
      if (part.id() != null) {
        state.appliedIds().put(part.id(), event.appliedAt());
      }
    }
    state.forgetIdsBeyond(settings.idempotencyWindowCount(), event.appliedAt() - settings.idempotencyWindowAge().toMillis());
    return confirm(record(state, operator.processBatch(state.stage(), records, event.appliedAt())),
        event.deliveredUpTo(), event.forwardedUpTo());
  }

  KeyGroupState watermarkAdvanced(KeyGroupState current, WatermarkAdvanced event) {
    KeyGroupState state = writable(current);
    return confirm(record(state, operator.advanceWatermark(state.stage(), event.watermark())),
        event.deliveredUpTo(), event.forwardedUpTo());
  }

  KeyGroupState snapshotMarked(KeyGroupState current, SnapshotMarker event) {
    return confirm(writable(current), event.deliveredUpTo(), event.forwardedUpTo());
  }

  KeyGroupState forwardApplied(KeyGroupState current, ForwardApplied event) {
    KeyGroupState state = writable(current);
    List<Record> records = new ArrayList<>(event.records().size());
    long highest = state.highWater().getOrDefault(event.source(), 0L);
    for (Forwarded f : event.records()) {
      records.add(f.record());
      highest = Math.max(highest, f.seq());
    }
    state.highWater().put(event.source(), highest);
    return confirm(record(state, operator.processBatch(state.stage(), records, event.appliedAt())),
        event.deliveredUpTo(), event.forwardedUpTo());
  }

  KeyGroupState processingTimeAdvanced(KeyGroupState current, ProcessingTimeAdvanced event) {
    KeyGroupState state = writable(current);
    return confirm(record(state, operator.advanceProcessingTime(state.stage(), event.now())),
        event.deliveredUpTo(), event.forwardedUpTo());
  }

  private KeyGroupState confirm(KeyGroupState state, long delivered, long forwarded) {
    return state.confirm(delivered, forwarded, forwarding);
  }

  private static KeyGroupState record(KeyGroupState state, List<Output> outputs) {
    for (Output output : outputs) {
      state.outbox().put(output.seq(), output);
    }
    return state;
  }
}
