package io.keyflow.persistence;

import io.keyflow.persistence.Idempotency.Claim;
import io.keyflow.persistence.Idempotency.KeyClaimed;
import io.keyflow.persistence.Idempotency.ProducerSeqClaimed;
import io.keyflow.persistence.Idempotency.Ticket;
import io.keyflow.persistence.internal.KeyGroupHandlers;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.SnapshotFailed;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One key group of one keyed stage: an event-sourced actor holding the state of every key in the
 * group. Each {@link ProcessBatch} becomes ONE journal event (group commit); the event handler
 * runs the pure {@code StageOperator} (see {@code KeyGroupTransitions}), so recovery replays exactly
 * the same state and outputs. The reply is sent only after the event is in the journal. Fired
 * results go to the {@link ResultsSink} (and the next stage) after the write, from the outbox kept
 * in the state (see {@code OutboxDelivery}); {@code SnapshotPacing} times the extra snapshots. This
 * file is the protocol and the wiring; the handlers are {@link KeyGroupHandlers} (internal).
 */
public final class KeyGroupEntity
    extends EventSourcedBehaviorWithEnforcedReplies<KeyGroupEntity.Command, KeyGroupEntity.Event, KeyGroupState> {

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

  private final ActorContext<Command> context;
  private final PersistenceSettings settings;
  private final KeyGroupHandlers handlers;

  /** The persistence id of a key group: {@code <pipeline>|<stage>|<keyGroup>}. */
  public static PersistenceId persistenceId(PipelineDefinition definition, int keyGroup) {
    return PersistenceId.ofUniqueId(definition.name() + "|" + definition.stage() + "|" + keyGroup);
  }

  /** A key group of the last (or only) stage of a pipeline. */
  public static Behavior<Command> create(
      PipelineDefinition definition, int keyGroup, ResultsSink sink, PersistenceSettings settings) {
    return create(definition, keyGroup, sink, null, settings);
  }

  /** A key group of a stage; {@code forwarder} delivers its results to the next stage (null: none). */
  public static Behavior<Command> create(
      PipelineDefinition definition, int keyGroup, ResultsSink sink, StageForwarder forwarder,
      PersistenceSettings settings) {
    if ((definition.next() == null) != (forwarder == null)) {
      throw new IllegalArgumentException("stage " + definition.stage() + " of " + definition.name()
          + (forwarder == null ? " has a next stage but no forwarder" : " has no next stage to forward to"));
    }
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new KeyGroupEntity(context, timers, definition, keyGroup, sink, forwarder, settings)));
  }

  private KeyGroupEntity(
      ActorContext<Command> context, TimerScheduler<Command> timers, PipelineDefinition definition,
      int keyGroup, ResultsSink sink, StageForwarder forwarder, PersistenceSettings settings) {
    super(persistenceId(definition, keyGroup),
        SupervisorStrategy.restartWithBackoff(settings.restartMinBackoff(), settings.restartMaxBackoff(), 0.2));
    this.context = context;
    this.settings = settings;
    this.handlers = new KeyGroupHandlers(context, timers, definition, keyGroup, sink, forwarder, settings,
        Effect(), () -> lastSequenceNumber(context));
  }

  /** The same object every time: see {@code KeyGroupTransitions}, which never changes it. */
  @Override
  public KeyGroupState emptyState() {
    return handlers.transitions().emptyState();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.keepSnapshots())
        .withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, KeyGroupState> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(ProcessBatch.class, handlers::onProcessBatch)
        .onCommand(AdvanceWatermark.class, handlers::onAdvanceWatermark)
        .onCommand(GetKeyState.class, handlers::onGetKeyState)
        .onCommand(Wake.class, handlers::onWake)
        .onCommand(OutputsDelivered.class, handlers::onOutputsDelivered)
        .onCommand(DeliveryFailed.class, handlers::onDeliveryFailed)
        .onCommand(RetryDelivery.class, handlers::onRetryDelivery)
        .onCommand(ForwardBatch.class, handlers::onForwardBatch)
        .onCommand(OutputsForwarded.class, handlers::onOutputsForwarded)
        .onCommand(ForwardFailed.class, handlers::onForwardFailed)
        .onCommand(RetryForward.class, handlers::onRetryForward)
        .onCommand(Tick.class, handlers::onTick)
        .onCommand(HandOff.class, handlers::onHandOff)
        .onCommand(StopAfterHandOff.class, handlers::onStopAfterHandOff)
        .build();
  }

  @Override
  public EventHandler<KeyGroupState, Event> eventHandler() {
    var transitions = handlers.transitions();
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(BatchApplied.class, transitions::batchApplied)
        .onEvent(WatermarkAdvanced.class, transitions::watermarkAdvanced)
        .onEvent(SnapshotMarker.class, transitions::snapshotMarked)
        .onEvent(ForwardApplied.class, transitions::forwardApplied)
        .onEvent(ProcessingTimeAdvanced.class, transitions::processingTimeAdvanced)
        .build();
  }

  @Override
  public SnapshotAdapter<KeyGroupState> snapshotAdapter() {
    return new FrozenSnapshotAdapter(context.getSystem(), handlers.metrics()::snapshotTaken);
  }

  @Override
  public boolean shouldSnapshot(KeyGroupState state, Event event, long sequenceNr) {
    return event instanceof SnapshotMarker;
  }

  @Override
  public SignalHandler<KeyGroupState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(SnapshotCompleted.class, (state, done) -> handlers.onSnapshotCompleted(done.metadata().sequenceNr()))
        .onSignal(SnapshotFailed.class, (state, failed) -> handlers.onSnapshotFailed(failed.getFailure()))
        .onSignal(RecoveryCompleted.instance(), handlers::onRecoveryCompleted)
        .onSignal(PostStop.instance(), state -> handlers.metrics().close())
        .build();
  }
}
