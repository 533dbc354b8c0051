package io.keyflow.persistence;

import com.fasterxml.jackson.annotation.JsonAutoDetect.Visibility;
import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.StageState;
import java.util.LinkedHashMap;
import java.util.TreeMap;

/**
 * The persistent state of one key group: the operator core's {@link StageState} plus the outbox
 * of results that fired but are not yet known to be in the results store. Results leave the
 * outbox once a later journal event records that they were delivered; after a crash whatever is
 * still in the outbox is delivered again (the results store upsert is idempotent).
 *
 * <p>Mutable, and therefore not a record: the entity's event handler changes the stage, the outbox
 * and the maps in place (a copy per event would copy every key's windows), and only the event
 * handler does. {@link #confirm} answers a new state for the two sequence numbers, sharing the rest.
 * Because the live object changes, snapshots serialize it the moment they are taken
 * ({@link FrozenSnapshotAdapter}). Serialized by Jackson from its fields, under the names it had as
 * a record, so snapshots written before read the same (StoredFormatsTest).
 */
@JsonAutoDetect(fieldVisibility = Visibility.ANY, getterVisibility = Visibility.NONE,
    isGetterVisibility = Visibility.NONE, setterVisibility = Visibility.NONE)
public final class KeyGroupState implements CborSerializable {

  /** The window operator's state (mutated only by the entity's event handler). */
  private final StageState stage;
  /** Output sequence number → window result or late record, not yet confirmed delivered. */
  private final TreeMap<Long, Output> outbox;
  /** Every output up to this sequence number is in the results store. */
  private final long deliveredSeq;
  /**
   * Ids ({@code <request>#<chunk>}) of parts applied by an earlier version, oldest first → when; only
   * read until they expire (the window's span after the upgrade).
   */
  private final LinkedHashMap<String, Long> appliedIds;
  /** Every output up to this sequence number is in the next stage's journal (0 when there is no next stage). */
  private final long forwardedSeq;
  /**
   * Previous-stage source ({@code <stage>/<keyGroup>}) → highest output sequence number applied from
   * it; anything at or below is a re-delivery and dropped. Never forgotten, so a re-delivery after any
   * outage is recognised.
   */
  private final TreeMap<String, Long> highWater;
  /** Home tickets and applied windows of this key group; absent in snapshots of earlier versions. */
  private final IdempotencyState idempotency;

  @JsonCreator
  public KeyGroupState(
      @JsonProperty("stage") StageState stage, @JsonProperty("outbox") TreeMap<Long, Output> outbox,
      @JsonProperty("deliveredSeq") long deliveredSeq, @JsonProperty("appliedIds") LinkedHashMap<String, Long> appliedIds,
      @JsonProperty("forwardedSeq") long forwardedSeq, @JsonProperty("highWater") TreeMap<String, Long> highWater,
      @JsonProperty("idempotency") IdempotencyState idempotency) {
    this.stage = stage;
    this.outbox = outbox;
    this.deliveredSeq = deliveredSeq;
    this.appliedIds = appliedIds == null ? new LinkedHashMap<>() : appliedIds;
    this.forwardedSeq = forwardedSeq;
    this.highWater = highWater == null ? new TreeMap<>() : highWater;
    this.idempotency = idempotency == null ? new IdempotencyState() : idempotency;
  }

  public static KeyGroupState empty() {
    return new KeyGroupState(new StageState(), new TreeMap<>(), 0, new LinkedHashMap<>(), 0, new TreeMap<>(),
        new IdempotencyState());
  }

  public StageState stage() {
    return stage;
  }

  public TreeMap<Long, Output> outbox() {
    return outbox;
  }

  public long deliveredSeq() {
    return deliveredSeq;
  }

  public LinkedHashMap<String, Long> appliedIds() {
    return appliedIds;
  }

  public long forwardedSeq() {
    return forwardedSeq;
  }

  public TreeMap<String, Long> highWater() {
    return highWater;
  }

  public IdempotencyState idempotency() {
    return idempotency;
  }

  /** Forgets every legacy part id applied before {@code notBefore} (journaled times). */
  public void forgetIdsBefore(long notBefore) {
    var oldest = appliedIds.values().iterator();
    while (oldest.hasNext() && oldest.next() < notBefore) {
      oldest.remove();
    }
  }

  /**
   * Records that outputs up to {@code delivered} are in the results store and up to {@code forwarded}
   * in the next stage ({@code forwarding}: whether there is one); drops outbox entries both have.
   */
  public KeyGroupState confirm(long delivered, long forwarded, boolean forwarding) {
    long d = Math.max(deliveredSeq, delivered);
    long f = Math.max(forwardedSeq, forwarded);
    if (d == deliveredSeq && f == forwardedSeq) {
      return this;
    }
    outbox.headMap(forwarding ? Math.min(d, f) : d, true).clear();
    return new KeyGroupState(stage, outbox, d, appliedIds, f, highWater, idempotency);
  }

  @Override
  public String toString() {
    return "KeyGroupState[deliveredSeq=" + deliveredSeq + ", forwardedSeq=" + forwardedSeq + ", outbox="
        + outbox.size() + " outputs, highWater=" + highWater + "]";
  }
}
