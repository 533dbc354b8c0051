package io.keyflow.persistence;

import io.keyflow.persistence.internal.IdempotencyState;
import io.keyflow.pipeline.runtime.Output;
import io.keyflow.pipeline.runtime.StageState;
import java.util.LinkedHashMap;
import java.util.TreeMap;

/**
 * The persistent state of one key group: the operator core's {@link StageState} plus the outbox
 * of results that fired but are not yet known to be in the results store. Results leave the
 * outbox once a later journal event records that they were delivered; after a crash whatever is
 * still in the outbox is delivered again (the results store upsert is idempotent).
 *
 * @param stage        the window operator's state (mutated only by the entity's event handler)
 * @param outbox       output sequence number → window result or late record, not yet confirmed delivered
 * @param deliveredSeq every output up to this sequence number is in the results store
 * @param appliedIds   ids ({@code <request>#<chunk>}) of parts applied by an earlier version, oldest first →
 *                     when; only read until they expire (the window's span after the upgrade)
 * @param forwardedSeq every output up to this sequence number is in the next stage's journal (0 when
 *                     there is no next stage)
 * @param highWater    previous-stage source ({@code <stage>/<keyGroup>}) → highest output sequence
 *                     number applied from it; anything at or below is a re-delivery and dropped. Never
 *                     forgotten, so a re-delivery after any outage is recognised.
 * @param idempotency  home tickets and applied windows of this key group ({@link IdempotencyState});
 *                     absent in snapshots of earlier versions
 */
public record KeyGroupState(
    StageState stage, TreeMap<Long, Output> outbox, long deliveredSeq, LinkedHashMap<String, Long> appliedIds,
    long forwardedSeq, TreeMap<String, Long> highWater, IdempotencyState idempotency)
    implements CborSerializable {

  public KeyGroupState {
    highWater = highWater == null ? new TreeMap<>() : highWater;
    appliedIds = appliedIds == null ? new LinkedHashMap<>() : appliedIds;
    idempotency = idempotency == null ? new IdempotencyState() : idempotency;
  }

  public static KeyGroupState empty() {
    return new KeyGroupState(new StageState(), new TreeMap<>(), 0, new LinkedHashMap<>(), 0, new TreeMap<>(),
        new IdempotencyState());
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
}
