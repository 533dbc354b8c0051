package io.keyflow.persistence.internal;

import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.ForwardApplied;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.KeyGroupEntity.ProcessingTimeAdvanced;
import io.keyflow.persistence.KeyGroupEntity.SnapshotMarker;
import io.keyflow.persistence.KeyGroupEntity.WatermarkAdvanced;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.internal.idempotency.IdempotencyRules;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.StageOperator;
import java.util.ArrayList;
import java.util.List;

/**
 * The pure state logic of one {@link KeyGroupEntity}, with no actor or journal in sight: what each
 * journal event does to the {@link KeyGroupState} (run the {@link StageOperator}, put its outputs in
 * the outbox, keep the idempotency windows ({@link IdempotencyRules}) and high-water marks, drop the
 * outputs both destinations have), and which parts, claims and forwarded records of a command are new.
 */
public final class KeyGroupTransitions {

  private final StageOperator operator;
  private final IdempotencyRules idempotency;
  private final boolean forwarding;

  /**
   * Pekko evaluates the empty state once per behavior and starts every recovery from that same
   * object, also after a restart on a journal failure. The state is changed in place, so that object
   * must never be changed: every event switches to a fresh copy first (see {@link #writable}).
   */
  private final KeyGroupState template = KeyGroupState.empty();

  /** {@code forwarding}: whether the stage has a next stage its outputs must also reach. */
  public KeyGroupTransitions(StageOperator operator, int keyGroup, PersistenceSettings settings, boolean forwarding) {
    this.operator = operator;
    this.idempotency = new IdempotencyRules(keyGroup, settings);
    this.forwarding = forwarding;
  }

  public KeyGroupState emptyState() {
    return template;
  }

  private KeyGroupState writable(KeyGroupState state) {
    return state == template ? KeyGroupState.empty() : state;
  }

  /** Decides a batch's claims and parts as of {@code now} (see {@link IdempotencyRules#decide}). */
  public IdempotencyRules.Decision decide(KeyGroupState state, List<Part> parts, List<Idempotency.Claim> claims, long now) {
    return idempotency.decide(state, parts, claims, now);
  }

  /** The records from {@code source} above its high-water mark (the rest were applied before). */
  public static List<Forwarded> newRecords(KeyGroupState state, String source, List<Forwarded> records) {
    long highWater = state.highWater().getOrDefault(source, 0L);
    List<Forwarded> fresh = new ArrayList<>();
    for (Forwarded f : records) {
      if (f.seq() > highWater) {
        fresh.add(f);
      }
    }
    return fresh;
  }

  public KeyGroupState batchApplied(KeyGroupState current, BatchApplied event) {
    KeyGroupState state = writable(current);
    List<Record> records = new ArrayList<>();
    for (Part part : event.parts()) {
      records.addAll(part.records());
    }
    idempotency.applied(state, event);
    // A batch of claims only (its home role) has no records for the operator.
    if (!records.isEmpty()) {
      record(state, operator.processBatch(state.stage(), records, event.appliedAt()));
    }
    return confirm(state, event.deliveredUpTo(), event.forwardedUpTo());
  }

  public KeyGroupState watermarkAdvanced(KeyGroupState current, WatermarkAdvanced event) {
    KeyGroupState state = writable(current);
    return confirm(record(state, operator.advanceWatermark(state.stage(), event.watermark())),
        event.deliveredUpTo(), event.forwardedUpTo());
  }

  public KeyGroupState snapshotMarked(KeyGroupState current, SnapshotMarker event) {
    return confirm(writable(current), event.deliveredUpTo(), event.forwardedUpTo());
  }

  public KeyGroupState forwardApplied(KeyGroupState current, ForwardApplied event) {
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

  public KeyGroupState processingTimeAdvanced(KeyGroupState current, ProcessingTimeAdvanced event) {
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
