package io.keyflow.persistence.internal;

import io.keyflow.pipeline.runner.Operators;
import io.keyflow.persistence.KeyGroupEntity.AdvanceWatermark;
import io.keyflow.persistence.KeyGroupEntity.Awake;
import io.keyflow.persistence.KeyGroupEntity.BatchAccepted;
import io.keyflow.persistence.KeyGroupEntity.BatchApplied;
import io.keyflow.persistence.KeyGroupEntity.Command;
import io.keyflow.persistence.KeyGroupEntity.DeliveryFailed;
import io.keyflow.persistence.KeyGroupEntity.Event;
import io.keyflow.persistence.KeyGroupEntity.ForwardAccepted;
import io.keyflow.persistence.KeyGroupEntity.ForwardApplied;
import io.keyflow.persistence.KeyGroupEntity.ForwardBatch;
import io.keyflow.persistence.KeyGroupEntity.ForwardFailed;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.GetKeyState;
import io.keyflow.persistence.KeyGroupEntity.HandOff;
import io.keyflow.persistence.KeyGroupEntity.KeyStateView;
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
import io.keyflow.persistence.KeyGroupEntity.WatermarkAdvancedTo;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.persistence.KeyflowMetrics;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.ResultsSink;
import io.keyflow.persistence.StageForwarder;
import io.keyflow.persistence.internal.idempotency.IdempotencyRules;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.javadsl.EffectFactories;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * What a key group does with each command and signal: decide, persist one event, and only after the
 * write reply and hand the results on ({@link OutboxDelivery}); snapshots when {@link SnapshotPacing}
 * says so. {@code KeyGroupEntity} keeps the protocol and {@code entity.KeyGroupBehavior} the wiring;
 * the handlers live here with the machinery they drive, none of which another module sees. Event handlers are elsewhere
 * ({@link KeyGroupTransitions}) because they must stay pure: recovery replays them.
 */
public final class KeyGroupHandlers {

  private final ActorContext<Command> context;
  private final PipelineDefinition definition;
  private final int keyGroup;
  private final EffectFactories<Event, KeyGroupState> effect;
  private final LongSupplier lastSequenceNumber;
  private final StageOperator operator;
  private final KeyGroupTransitions transitions;
  private final OutboxDelivery outbox;
  private final SnapshotPacing snapshots;
  private final KeyGroupMetrics metrics;
  private final long startedNanos = System.nanoTime();

  /**
   * @param effect             the entity's effect factories
   * @param lastSequenceNumber the entity's last sequence number (the journal's, as Pekko knows it)
   */
  public KeyGroupHandlers(ActorContext<Command> context, TimerScheduler<Command> timers, PipelineDefinition definition,
      int keyGroup, ResultsSink sink, StageForwarder forwarder, PersistenceSettings settings,
      EffectFactories<Event, KeyGroupState> effect, LongSupplier lastSequenceNumber) {
    this.context = context;
    this.definition = definition;
    this.keyGroup = keyGroup;
    this.effect = effect;
    this.lastSequenceNumber = lastSequenceNumber;
    this.operator = Operators.create(definition, keyGroup);
    this.transitions = new KeyGroupTransitions(operator, keyGroup, settings, forwarder != null);
    this.outbox = new OutboxDelivery(context, timers, definition, keyGroup, sink, forwarder, settings);
    this.snapshots = new SnapshotPacing(context.getSelf(), settings.snapshotInterval());
    this.metrics = new KeyGroupMetrics(KeyflowMetrics.get(context.getSystem()), definition, keyGroup, System::currentTimeMillis);
    long every = definition.idleTimeout() > 0 ? Math.max(200, Math.min(1_000, definition.idleTimeout() / 2)) : 1_000;
    timers.startTimerWithFixedDelay(Tick.INSTANCE, Duration.ofMillis(every));
  }

  /** The event handlers (pure: recovery replays them). */
  public KeyGroupTransitions transitions() {
    return transitions;
  }

  /** This key group's meters. */
  public KeyGroupMetrics metrics() {
    return metrics;
  }

  public ReplyEffect<Event, KeyGroupState> onProcessBatch(KeyGroupState state, ProcessBatch cmd) {
    long now = System.currentTimeMillis();
    IdempotencyRules.Decision decision = transitions.decide(state, cmd.parts(), cmd.claims(), now);
    BatchAccepted reply = new BatchAccepted(keyGroup, decision.outcomes(), decision.tickets());
    if (decision.nothingToWrite()) {
      return effect.reply(cmd.replyTo(), reply);
    }
    long started = System.nanoTime();
    int records = decision.fresh().stream().mapToInt(p -> p.records().size()).sum();
    return effect
        .persist(new BatchApplied(decision.fresh(), outbox.deliveredUpTo(), now, outbox.forwardedUpTo(),
            decision.keysClaimed(), decision.producerSeqsClaimed()))
        .thenRun(s -> {
          metrics.written(started, records);
          afterWrite(s);
        })
        .thenReply(cmd.replyTo(), s -> reply);
  }

  public ReplyEffect<Event, KeyGroupState> onForwardBatch(KeyGroupState state, ForwardBatch cmd) {
    List<Forwarded> fresh = KeyGroupTransitions.newRecords(state, cmd.source(), cmd.records());
    if (fresh.isEmpty()) {
      return effect.reply(cmd.replyTo(), new ForwardAccepted(keyGroup, 0));
    }
    long started = System.nanoTime();
    return effect
        .persist(new ForwardApplied(cmd.source(), fresh, System.currentTimeMillis(), outbox.deliveredUpTo(), outbox.forwardedUpTo()))
        .thenRun(s -> {
          metrics.written(started, fresh.size());
          afterWrite(s);
        })
        .thenReply(cmd.replyTo(), s -> new ForwardAccepted(keyGroup, fresh.size()));
  }

  /** After every write: results to the store, and to the next stage if there is one. */
  private void afterWrite(KeyGroupState state) {
    metrics.eventTime(state.stage().watermark, state.stage().maxTimestamp);
    outbox.deliver(state);
    outbox.forward(state);
  }

  public ReplyEffect<Event, KeyGroupState> onAdvanceWatermark(KeyGroupState state, AdvanceWatermark cmd) {
    if (cmd.watermark() <= state.stage().watermark) {
      if (outbox.replyWhenForwarded(state, cmd.replyTo())) {
        return effect.noReply();
      }
      return effect.reply(cmd.replyTo(), new WatermarkAdvancedTo(keyGroup, state.stage().watermark));
    }
    if (!outbox.forwarding()) {
      return effect
          .persist(new WatermarkAdvanced(cmd.watermark(), outbox.deliveredUpTo(), outbox.forwardedUpTo()))
          .thenRun(this::afterWrite)
          .thenReply(cmd.replyTo(), s -> new WatermarkAdvancedTo(keyGroup, s.stage().watermark));
    }
    // With a next stage, answer once it has every result this watermark fired, so that the watermark
    // can then be passed on to it without overtaking them.
    return effect
        .persist(new WatermarkAdvanced(cmd.watermark(), outbox.deliveredUpTo(), outbox.forwardedUpTo()))
        .thenRun(s -> {
          afterWrite(s);
          if (!outbox.replyWhenForwarded(s, cmd.replyTo())) {
            cmd.replyTo().tell(new WatermarkAdvancedTo(keyGroup, s.stage().watermark));
          }
        })
        .thenNoReply();
  }

  public ReplyEffect<Event, KeyGroupState> onHandOff(KeyGroupState state, HandOff handOff) {
    if (snapshots.upToDate(lastSequenceNumber.getAsLong())) {
      return effect.stop().thenNoReply();
    }
    snapshots.handOff();
    return effect.persist(new SnapshotMarker("hand-off", outbox.deliveredUpTo(), outbox.forwardedUpTo())).thenNoReply();
  }

  public ReplyEffect<Event, KeyGroupState> onTick(KeyGroupState state, Tick tick) {
    if (snapshots.handingOff()) {
      return snapshots.handOffOverdue() ? effect.stop().thenNoReply() : effect.noReply();
    }
    long now = System.currentTimeMillis();
    if (snapshots.intervalDue(lastSequenceNumber.getAsLong())) {
      return effect.persist(new SnapshotMarker("interval", outbox.deliveredUpTo(), outbox.forwardedUpTo())).thenNoReply();
    }
    // Only worth a journal write when it fires something: a processing-time window or timer is due,
    // or the key group is idle with windows or event-time timers pending.
    if (!operator.processingTimeDue(state.stage(), now)) {
      return effect.noReply();
    }
    return effect.persist(new ProcessingTimeAdvanced(now, outbox.deliveredUpTo(), outbox.forwardedUpTo()))
        .thenRun(this::afterWrite).thenNoReply();
  }

  public ReplyEffect<Event, KeyGroupState> onGetKeyState(KeyGroupState state, GetKeyState cmd) {
    var stage = state.stage();
    StageOperator.KeyView view = operator.queryKey(stage, cmd.key());
    return effect.reply(cmd.replyTo(), new KeyStateView(cmd.key(), keyGroup, stage.watermark,
        view.openWindows(), stage.recordsApplied, stage.lateRecordsDropped, view.state(),
        stage.functionErrors, stage.lastFunctionError));
  }

  public ReplyEffect<Event, KeyGroupState> onStopAfterHandOff(KeyGroupState state, StopAfterHandOff cmd) {
    return effect.stop().thenNoReply();
  }

  public ReplyEffect<Event, KeyGroupState> onWake(KeyGroupState state, Wake cmd) {
    return effect.reply(cmd.replyTo(), new Awake(keyGroup));
  }

  /** The results store has outputs up to a sequence number: drop them from the outbox, send the rest. */
  public ReplyEffect<Event, KeyGroupState> onOutputsDelivered(KeyGroupState state, OutputsDelivered cmd) {
    outbox.onDelivered(cmd.upToSeq());
    return effect.none().thenRun(outbox::deliver).thenNoReply();
  }

  public ReplyEffect<Event, KeyGroupState> onDeliveryFailed(KeyGroupState state, DeliveryFailed cmd) {
    outbox.onDeliveryFailed(cmd.reason());
    return effect.noReply();
  }

  public ReplyEffect<Event, KeyGroupState> onRetryDelivery(KeyGroupState state, RetryDelivery cmd) {
    return effect.none().thenRun(outbox::deliver).thenNoReply();
  }

  /** The next stage has outputs up to a sequence number: drop them from the outbox, forward the rest. */
  public ReplyEffect<Event, KeyGroupState> onOutputsForwarded(KeyGroupState state, OutputsForwarded cmd) {
    outbox.onForwarded(cmd.upToSeq());
    return effect.none().thenRun(outbox::forward).thenNoReply();
  }

  public ReplyEffect<Event, KeyGroupState> onForwardFailed(KeyGroupState state, ForwardFailed cmd) {
    outbox.onForwardFailed(cmd.reason());
    return effect.noReply();
  }

  public ReplyEffect<Event, KeyGroupState> onRetryForward(KeyGroupState state, RetryForward cmd) {
    return effect.none().thenRun(outbox::forward).thenNoReply();
  }

  public void onSnapshotCompleted(long sequenceNr) {
    snapshots.completed(sequenceNr);
  }

  public void onSnapshotFailed(Throwable failure) {
    context.getLog().warn("key group {} of {}: snapshot failed: {}", keyGroup, definition.name(), failure.toString());
    snapshots.failed();
  }

  /** Recovered: resend what the outbox holds, and say how long it took. */
  public void onRecoveryCompleted(KeyGroupState state) {
      outbox.recovered(state);
      snapshots.recovered(lastSequenceNumber.getAsLong());
      long millis = (System.nanoTime() - startedNanos) / 1_000_000;
      metrics.recovered(millis);
      metrics.eventTime(state.stage().watermark, state.stage().maxTimestamp);
      // 128 empty key groups start at once on a fresh node: only real recoveries are worth INFO.
      boolean notable = state.stage().recordsApplied > 0 || millis > 1_000;
      org.slf4j.event.Level level = notable ? org.slf4j.event.Level.INFO : org.slf4j.event.Level.DEBUG;
      context.getLog().atLevel(level).log("key group {} of {}|{} recovered in {} ms ({} records, {} keys with open windows)",
          keyGroup, definition.name(), definition.stage(), millis, state.stage().recordsApplied,
          state.stage().windows.size());
      afterWrite(state);
  }
}
