package io.keyflow.persistence;

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
 * @param appliedIds   ids of the request parts applied, oldest first → when (the idempotency window)
 */
public record KeyGroupState(
    StageState stage, TreeMap<Long, Output> outbox, long deliveredSeq, LinkedHashMap<String, Long> appliedIds)
    implements CborSerializable {

  public static KeyGroupState empty() {
    return new KeyGroupState(new StageState(), new TreeMap<>(), 0, new LinkedHashMap<>());
  }

  /** Forgets the oldest ids beyond {@code maxCount} and every id applied before {@code notBefore}. */
  void forgetIdsBeyond(int maxCount, long notBefore) {
    var oldest = appliedIds.entrySet().iterator();
    while (oldest.hasNext()) {
      var entry = oldest.next();
      if (appliedIds.size() <= maxCount && entry.getValue() >= notBefore) {
        break;
      }
      oldest.remove();
    }
  }

  /** Drops outbox entries up to {@code seq}; returns the state to use from now on. */
  KeyGroupState confirmDelivered(long seq) {
    if (seq <= deliveredSeq) {
      return this;
    }
    outbox.headMap(seq, true).clear();
    return new KeyGroupState(stage, outbox, seq, appliedIds);
  }
}
