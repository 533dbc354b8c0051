package io.keyflow.persistence;

import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.Idempotency.KeyClaimed;
import io.keyflow.persistence.Idempotency.ProducerSeqClaimed;
import io.keyflow.persistence.Idempotency.Ticket;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;

/**
 * One key group of one keyed stage, as the other modules talk to it: its protocol (commands, replies,
 * journal events) and its persistence id. The key group holds the state of every key in the group
 * ({@link KeyGroupState}); each {@link ProcessBatch} becomes ONE journal event, and the reply is sent
 * only after the event is in the journal. The behaviour that answers this protocol is
 * {@code io.keyflow.persistence.entity.KeyGroupBehavior}.
 *
 * <p>Protocol only, no behaviour: the journal events and messages nested here are stored (and sent)
 * under their class names ({@code KeyGroupEntity$BatchApplied}, bound in reference.conf;
 * StoredFormatsTest), so they must stay in this class; the internals use them, so this class must not
 * use the internals (the behaviour, which does, is a package above both).
 */
public final class KeyGroupEntity {

  private KeyGroupEntity() {}

  /** Messages the entity accepts. */
  public sealed interface Command extends CborSerializable {}

  /**
   * Apply these parts, in order, as one journal event, and decide these claims (this key group is
   * their home) in the same event. Records of a part this key group already applied are duplicates:
   * skipped and reported as such.
   */
  public record ProcessBatch(List<Part> parts, List<Claim> claims, ActorRef<BatchAccepted> replyTo) implements Command {

    public ProcessBatch {
      claims = claims == null ? List.of() : claims;
    }

    /** Parts only (no claims). */
    public ProcessBatch(List<Part> parts, ActorRef<BatchAccepted> replyTo) {
      this(parts, List.of(), replyTo);
    }
  }

  /**
   * Records {@code [from, from + records.size())} of the {@code total} records that request
   * {@code seq} of {@code source} has for this key group, in request order. The identity (source,
   * seq, key group, offset range) does not depend on how a node chunks the records, so a retry
   * through a node with another {@code max-records-per-event} deduplicates record by record.
   * {@code source} is {@code h/<home key group>} for a request with an Idempotency-Key or producer
   * sequence (its ticket from the home group), or {@code n/<node incarnation>} for a keyless one;
   * {@code firstSeen} is the ticket's journaled first-seen time. {@code id} is the client's
   * Idempotency-Key (or null), kept for the journal reader. A part with a null source was written by
   * an earlier version: its {@code id} is {@code <request>#<chunk>}.
   */
  public record Part(String id, List<Record> records, String source, long seq, long firstSeen, int from, int total)
      implements CborSerializable {}

  /**
   * What a key group did with one part: records applied now, records it had applied before, or
   * nothing because the part is older than its window ({@code tooOld}, HTTP 409).
   */
  public record PartOutcome(int applied, int duplicates, boolean tooOld) implements CborSerializable {}

  /** Advance the event-time watermark of this key group (an explicit watermark from a client). */
  public record AdvanceWatermark(long watermark, ActorRef<WatermarkAdvancedTo> replyTo) implements Command {}

  /** Read the current state of one key (queryable state). */
  public record GetKeyState(String key, ActorRef<KeyStateView> replyTo) implements Command {}

  /** Start the entity (recovering it if needed) and answer when it is running. */
  public record Wake(ActorRef<Awake> replyTo) implements Command {}

  /** Internal: the results store has every output up to {@code upToSeq}. */
  public record OutputsDelivered(long upToSeq) implements Command {}

  /** Internal: a results store write failed; retried after a back-off. */
  public record DeliveryFailed(String reason) implements Command {}

  /** Internal: time to retry delivery. */
  public enum RetryDelivery implements Command { INSTANCE }

  /**
   * Results of key group {@code source} ({@code <stage>/<keyGroup>}) of the previous stage, as this
   * stage's records, each with the source's output sequence number. Records at or below the
   * high-water mark of {@code source} were applied before and are dropped.
   */
  public record ForwardBatch(String source, List<Forwarded> records, ActorRef<ForwardAccepted> replyTo) implements Command {}

  /** One forwarded record and its output sequence number in its source key group. */
  public record Forwarded(long seq, Record record) implements CborSerializable {}

  /** Internal: the next stage has every output up to {@code upToSeq}. */
  public record OutputsForwarded(long upToSeq) implements Command {}

  /** Internal: forwarding to the next stage failed; retried after a back-off. */
  public record ForwardFailed(String reason) implements Command {}

  /** Internal: time to retry forwarding. */
  public enum RetryForward implements Command { INSTANCE }

  /** Internal: processing time passed; an idle key group may advance its watermark. */
  public enum Tick implements Command { INSTANCE }

  /**
   * Sent by sharding before the key group moves to another node: snapshot, then stop, so that the
   * receiving node recovers from a fresh snapshot instead of replaying the journal tail.
   */
  public enum HandOff implements Command { INSTANCE }

  /** Internal: the hand-off snapshot is stored (or failed); stop now. */
  public enum StopAfterHandOff implements Command { INSTANCE }

  /** Replies. */
  /** {@code parts.get(i)}: what part i did; {@code tickets.get(j)}: the verdict on claim j. */
  public record BatchAccepted(int keyGroup, List<PartOutcome> parts, List<Ticket> tickets) implements CborSerializable {}

  public record WatermarkAdvancedTo(int keyGroup, long watermark) implements CborSerializable {}

  /** {@code applied}: records of the batch that were new (the rest were re-deliveries). */
  public record ForwardAccepted(int keyGroup, int applied) implements CborSerializable {}

  public record Awake(int keyGroup) implements CborSerializable {}

  /**
   * One key's state: open windows (window stages) or keyed state by name (process stages), with
   * figures of its key group, including user-function calls that threw and the last such error.
   */
  public record KeyStateView(
      String key, int keyGroup, long watermark, List<WindowResult> openWindows,
      long keyGroupRecords, long keyGroupLateRecordsDropped, java.util.Map<String, Object> state,
      long keyGroupFunctionErrors, String lastFunctionError) implements CborSerializable {

    @SuppressWarnings("unchecked")
    public KeyStateView {
      // CBOR hands small longs back as Integer: keep one number representation.
      state = state == null ? java.util.Map.of() : (java.util.Map<String, Object>) io.keyflow.pipeline.StateCodec.neutral(state);
    }
  }

  /** Journal events. */
  public sealed interface Event extends CborSerializable {}

  /**
   * Parts were applied at {@code appliedAt} (wall clock of the writer: the journaled time every
   * idempotency window expires by); outputs up to {@code deliveredUpTo} are in the results store.
   * {@code keysClaimed} and {@code producerSeqsClaimed} are the new tickets this key group gave as a
   * home group in the same write (absent in events of earlier versions).
   */
  public record BatchApplied(List<Part> parts, long deliveredUpTo, long appliedAt, long forwardedUpTo,
      List<KeyClaimed> keysClaimed, List<ProducerSeqClaimed> producerSeqsClaimed) implements Event {

    public BatchApplied {
      keysClaimed = keysClaimed == null ? List.of() : keysClaimed;
      producerSeqsClaimed = producerSeqsClaimed == null ? List.of() : producerSeqsClaimed;
    }
  }

  public record WatermarkAdvanced(long watermark, long deliveredUpTo, long forwardedUpTo) implements Event {}

  /** A marker written only to take a snapshot (on hand-off, or when snapshot-interval passed). */
  public record SnapshotMarker(String reason, long deliveredUpTo, long forwardedUpTo) implements Event {}

  /** Processing time reached {@code now} (journaled, so replaying idleness is exact). */
  public record ProcessingTimeAdvanced(long now, long deliveredUpTo, long forwardedUpTo) implements Event {}

  /** Records forwarded from {@code source} of the previous stage were applied at {@code appliedAt}. */
  public record ForwardApplied(String source, List<Forwarded> records, long appliedAt, long deliveredUpTo,
      long forwardedUpTo) implements Event {}

  /** The persistence id of a key group: {@code <pipeline>|<stage>|<keyGroup>}. */
  public static PersistenceId persistenceId(PipelineDefinition definition, int keyGroup) {
    return PersistenceId.ofUniqueId(definition.name() + "|" + definition.stage() + "|" + keyGroup);
  }
}
