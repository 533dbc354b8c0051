package io.keyflow.persistence.entity;

import io.keyflow.persistence.FrozenSnapshotAdapter;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.KeyGroupEntity.AdvanceWatermark;
import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.Command;
import io.keyflow.persistence.KeyGroupEntity.DeliveryFailed;
import io.keyflow.persistence.KeyGroupEntity.Event;
import io.keyflow.persistence.KeyGroupEntity.ForwardApplied;
import io.keyflow.persistence.KeyGroupEntity.ForwardBatch;
import io.keyflow.persistence.KeyGroupEntity.ForwardFailed;
import io.keyflow.persistence.KeyGroupEntity.GetKeyState;
import io.keyflow.persistence.KeyGroupEntity.HandOff;
import io.keyflow.persistence.KeyGroupEntity.OutputsDelivered;
import io.keyflow.persistence.KeyGroupEntity.OutputsForwarded;
import io.keyflow.persistence.KeyGroupEntity.ProcessBatch;
import io.keyflow.persistence.KeyGroupEntity.ProcessingTimeAdvanced;
import io.keyflow.persistence.KeyGroupEntity.RetryDelivery;
import io.keyflow.persistence.KeyGroupEntity.RetryForward;
import io.keyflow.persistence.KeyGroupEntity.SnapshotMarker;
import io.keyflow.persistence.KeyGroupEntity.StopAfterHandOff;
import io.keyflow.persistence.KeyGroupEntity.Tick;
import io.keyflow.persistence.KeyGroupEntity.Wake;
import io.keyflow.persistence.KeyGroupEntity.WatermarkAdvanced;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.ResultsSink;
import io.keyflow.persistence.StageForwarder;
import io.keyflow.persistence.internal.KeyGroupHandlers;
import io.keyflow.pipeline.engine.PipelineDefinition;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
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
 * The running key group: the event-sourced behaviour that answers {@link KeyGroupEntity}'s protocol.
 * Each {@link ProcessBatch} becomes ONE journal event (group commit); the event handler runs the pure
 * {@code StageOperator} (see {@code KeyGroupTransitions}), so recovery replays exactly the same state
 * and outputs. The reply is sent only after the event is in the journal. Fired results go to the
 * {@link ResultsSink} (and the next stage) after the write, from the outbox kept in the state (see
 * {@code OutboxDelivery}); {@code SnapshotPacing} times the extra snapshots.
 *
 * <p>This class owns the wiring (which handler answers which command, event and signal; retention;
 * snapshots); the handlers are {@link KeyGroupHandlers} (internal). It is apart from
 * {@link KeyGroupEntity} so that the protocol and the stored state, which the internals use, do not
 * depend on the internals in turn: this package sits above both.
 */
public final class KeyGroupBehavior
    extends EventSourcedBehaviorWithEnforcedReplies<Command, Event, KeyGroupState> {

  private final ActorContext<Command> context;
  private final PersistenceSettings settings;
  private final KeyGroupHandlers handlers;

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
        new KeyGroupBehavior(context, timers, definition, keyGroup, sink, forwarder, settings)));
  }

  private KeyGroupBehavior(
      ActorContext<Command> context, TimerScheduler<Command> timers, PipelineDefinition definition,
      int keyGroup, ResultsSink sink, StageForwarder forwarder, PersistenceSettings settings) {
    super(KeyGroupEntity.persistenceId(definition, keyGroup),
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
