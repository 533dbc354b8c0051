package io.keyflow.persistence;

import io.keyflow.pipeline.runner.Operators;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.engine.StageOperator;
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
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One key group of one keyed stage: an event-sourced actor holding the state of every key in the
 * group. Each {@link ProcessBatch} becomes ONE journal event (group commit); the event handler
 * runs the pure {@link StageOperator} (see {@link KeyGroupTransitions}), so recovery replays exactly
 * the same state and outputs. The reply is sent only after the event is in the journal. Fired
 * results go to the {@link ResultsSink} (and the next stage) after the write, from the outbox kept
 * in the state (see {@link OutboxDelivery}); {@link SnapshotPacing} times the extra snapshots.
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
   * A request asks its home key group (the hash of its Idempotency-Key or Producer-Id) for a
   * ticket: by {@code key} with the body's {@code fingerprint} and the client's optional
   * first-sent time (0: none), or by producer id, epoch and sequence number ({@code key} null).
   */
  public record Claim(String key, String fingerprint, long firstSentAt, String producerId, long producerEpoch,
      long producerSeq) implements CborSerializable {

    public static Claim byKey(String key, String fingerprint, long firstSentAt) {
      return new Claim(key, fingerprint, firstSentAt, null, 0, 0);
    }

    public static Claim byProducer(String producerId, long epoch, long seq) {
      return new Claim(null, null, 0, producerId, epoch, seq);
    }

    /** The string whose key group is this claim's home. */
    public String homeKey() {
      return key != null ? "idempotency-key/" + key : "producer/" + producerId;
    }
  }

  /** A home group's answer to a {@link Claim}. */
  public enum Verdict {
    /** First time: a new ticket, journaled. */
    NEW,
    /** A retry of a request the home group knows (same body): the same ticket; parts are deduplicated. */
    SEEN,
    /** The Idempotency-Key was first used with another body (HTTP 422). */
    DIFFERENT_BODY,
    /** Older than the idempotency window: whether it was applied cannot be told (HTTP 409). */
    TOO_OLD,
    /** A higher epoch of this producer exists (HTTP 409). */
    FENCED,
    /** An unknown producer (or a new epoch) that does not start at sequence 0 (HTTP 409). */
    OUT_OF_SEQUENCE;

    /** Whether the request goes on to its key groups with the ticket. */
    public boolean proceeds() {
      return this == NEW || this == SEEN;
    }
  }

  /** The verdict on a claim and, when it proceeds, the ticket its parts carry. */
  public record Ticket(Verdict verdict, String source, long seq, long firstSeen) implements CborSerializable {

    public Ticket withVerdict(Verdict other) {
      return new Ticket(other, source, seq, firstSeen);
    }
  }

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

  /** An Idempotency-Key's first body fingerprint and the ticket it got. */
  public record KeyClaimed(String key, String fingerprint, long seq, long firstSeen) implements CborSerializable {}

  /** A producer's sequence number (in its epoch) and the ticket it got. */
  public record ProducerSeqClaimed(String producerId, long epoch, long producerSeq, long seq, long firstSeen)
      implements CborSerializable {}

  public record WatermarkAdvanced(long watermark, long deliveredUpTo, long forwardedUpTo) implements Event {}

  /** A marker written only to take a snapshot (on hand-off, or when snapshot-interval passed). */
  public record SnapshotMarker(String reason, long deliveredUpTo, long forwardedUpTo) implements Event {}

  /** Processing time reached {@code now} (journaled, so replaying idleness is exact). */
  public record ProcessingTimeAdvanced(long now, long deliveredUpTo, long forwardedUpTo) implements Event {}

  /** Records forwarded from {@code source} of the previous stage were applied at {@code appliedAt}. */
  public record ForwardApplied(String source, List<Forwarded> records, long appliedAt, long deliveredUpTo,
      long forwardedUpTo) implements Event {}

  private final ActorContext<Command> context;
  private final PipelineDefinition definition;
  private final StageOperator operator;
  private final int keyGroup;
  private final PersistenceSettings settings;
  private final KeyGroupMetrics metrics;
  private final KeyGroupTransitions transitions;
  private final OutboxDelivery outbox;
  private final SnapshotPacing snapshots;
  private final long startedNanos = System.nanoTime();

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
    this.definition = definition;
    this.operator = Operators.create(definition, keyGroup);
    this.keyGroup = keyGroup;
    this.settings = settings;
    this.transitions = new KeyGroupTransitions(operator, keyGroup, settings, forwarder != null);
    this.outbox = new OutboxDelivery(context, timers, definition, keyGroup, sink, forwarder, settings);
    this.snapshots = new SnapshotPacing(context.getSelf(), settings.snapshotInterval());
    this.metrics = new KeyGroupMetrics(KeyflowMetrics.get(context.getSystem()), definition, keyGroup, System::currentTimeMillis);
    long every = definition.idleTimeout() > 0 ? Math.max(200, Math.min(1_000, definition.idleTimeout() / 2)) : 1_000;
    timers.startTimerWithFixedDelay(Tick.INSTANCE, java.time.Duration.ofMillis(every));
  }

  /** The same object every time: see {@link KeyGroupTransitions}, which never changes it. */
  @Override
  public KeyGroupState emptyState() {
    return transitions.emptyState();
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
        .onCommand(ProcessBatch.class, this::onProcessBatch)
        .onCommand(AdvanceWatermark.class, this::onAdvanceWatermark)
        .onCommand(GetKeyState.class, this::onGetKeyState)
        .onCommand(Wake.class, (state, cmd) -> Effect().reply(cmd.replyTo(), new Awake(keyGroup)))
        .onCommand(OutputsDelivered.class, (state, cmd) -> {
          outbox.onDelivered(cmd.upToSeq());
          return Effect().none().thenRun(outbox::deliver).thenNoReply();
        })
        .onCommand(DeliveryFailed.class, (state, cmd) -> {
          outbox.onDeliveryFailed(cmd.reason());
          return Effect().noReply();
        })
        .onCommand(RetryDelivery.class, (state, cmd) -> Effect().none().thenRun(outbox::deliver).thenNoReply())
        .onCommand(ForwardBatch.class, this::onForwardBatch)
        .onCommand(OutputsForwarded.class, (state, cmd) -> {
          outbox.onForwarded(cmd.upToSeq());
          return Effect().none().thenRun(outbox::forward).thenNoReply();
        })
        .onCommand(ForwardFailed.class, (state, cmd) -> {
          outbox.onForwardFailed(cmd.reason());
          return Effect().noReply();
        })
        .onCommand(RetryForward.class, (state, cmd) -> Effect().none().thenRun(outbox::forward).thenNoReply())
        .onCommand(Tick.class, this::onTick)
        .onCommand(HandOff.class, this::onHandOff)
        .onCommand(StopAfterHandOff.class, (state, cmd) -> Effect().stop().thenNoReply())
        .build();
  }

  private ReplyEffect<Event, KeyGroupState> onProcessBatch(KeyGroupState state, ProcessBatch cmd) {
    long now = System.currentTimeMillis();
    IdempotencyRules.Decision decision = transitions.decide(state, cmd.parts(), cmd.claims(), now);
    BatchAccepted reply = new BatchAccepted(keyGroup, decision.outcomes(), decision.tickets());
    if (decision.nothingToWrite()) {
      return Effect().reply(cmd.replyTo(), reply);
    }
    long started = System.nanoTime();
    int records = decision.fresh().stream().mapToInt(p -> p.records().size()).sum();
    return Effect()
        .persist(new BatchApplied(decision.fresh(), outbox.deliveredUpTo(), now, outbox.forwardedUpTo(),
            decision.keysClaimed(), decision.producerSeqsClaimed()))
        .thenRun(s -> {
          metrics.written(started, records);
          afterWrite(s);
        })
        .thenReply(cmd.replyTo(), s -> reply);
  }

  private ReplyEffect<Event, KeyGroupState> onForwardBatch(KeyGroupState state, ForwardBatch cmd) {
    List<Forwarded> fresh = KeyGroupTransitions.newRecords(state, cmd.source(), cmd.records());
    if (fresh.isEmpty()) {
      return Effect().reply(cmd.replyTo(), new ForwardAccepted(keyGroup, 0));
    }
    long started = System.nanoTime();
    return Effect()
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

  private ReplyEffect<Event, KeyGroupState> onAdvanceWatermark(KeyGroupState state, AdvanceWatermark cmd) {
    if (cmd.watermark() <= state.stage().watermark) {
      if (outbox.replyWhenForwarded(state, cmd.replyTo())) {
        return Effect().noReply();
      }
      return Effect().reply(cmd.replyTo(), new WatermarkAdvancedTo(keyGroup, state.stage().watermark));
    }
    if (!outbox.forwarding()) {
      return Effect()
          .persist(new WatermarkAdvanced(cmd.watermark(), outbox.deliveredUpTo(), outbox.forwardedUpTo()))
          .thenRun(this::afterWrite)
          .thenReply(cmd.replyTo(), s -> new WatermarkAdvancedTo(keyGroup, s.stage().watermark));
    }
    // With a next stage, answer once it has every result this watermark fired, so that the watermark
    // can then be passed on to it without overtaking them.
    return Effect()
        .persist(new WatermarkAdvanced(cmd.watermark(), outbox.deliveredUpTo(), outbox.forwardedUpTo()))
        .thenRun(s -> {
          afterWrite(s);
          if (!outbox.replyWhenForwarded(s, cmd.replyTo())) {
            cmd.replyTo().tell(new WatermarkAdvancedTo(keyGroup, s.stage().watermark));
          }
        })
        .thenNoReply();
  }

  private ReplyEffect<Event, KeyGroupState> onHandOff(KeyGroupState state, HandOff handOff) {
    if (snapshots.upToDate(lastSequenceNumber(context))) {
      return Effect().stop().thenNoReply();
    }
    snapshots.handOff();
    return Effect().persist(new SnapshotMarker("hand-off", outbox.deliveredUpTo(), outbox.forwardedUpTo())).thenNoReply();
  }

  private ReplyEffect<Event, KeyGroupState> onTick(KeyGroupState state, Tick tick) {
    if (snapshots.handingOff()) {
      return snapshots.handOffOverdue() ? Effect().stop().thenNoReply() : Effect().noReply();
    }
    long now = System.currentTimeMillis();
    if (snapshots.intervalDue(lastSequenceNumber(context))) {
      return Effect().persist(new SnapshotMarker("interval", outbox.deliveredUpTo(), outbox.forwardedUpTo())).thenNoReply();
    }
    // Only worth a journal write when it fires something: a processing-time window or timer is due,
    // or the key group is idle with windows or event-time timers pending.
    if (!operator.processingTimeDue(state.stage(), now)) {
      return Effect().noReply();
    }
    return Effect().persist(new ProcessingTimeAdvanced(now, outbox.deliveredUpTo(), outbox.forwardedUpTo()))
        .thenRun(this::afterWrite).thenNoReply();
  }

  private ReplyEffect<Event, KeyGroupState> onGetKeyState(KeyGroupState state, GetKeyState cmd) {
    var stage = state.stage();
    StageOperator.KeyView view = operator.queryKey(stage, cmd.key());
    return Effect().reply(cmd.replyTo(), new KeyStateView(cmd.key(), keyGroup, stage.watermark,
        view.openWindows(), stage.recordsApplied, stage.lateRecordsDropped, view.state(),
        stage.functionErrors, stage.lastFunctionError));
  }

  @Override
  public EventHandler<KeyGroupState, Event> eventHandler() {
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
    return new FrozenSnapshotAdapter(context.getSystem(), metrics::snapshotTaken);
  }

  @Override
  public boolean shouldSnapshot(KeyGroupState state, Event event, long sequenceNr) {
    return event instanceof SnapshotMarker;
  }

  @Override
  public SignalHandler<KeyGroupState> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(SnapshotCompleted.class, (state, done) -> snapshots.completed(done.metadata().sequenceNr()))
        .onSignal(SnapshotFailed.class, (state, failed) -> {
          context.getLog().warn("key group {} of {}: snapshot failed: {}", keyGroup, definition.name(), failed.getFailure().toString());
          snapshots.failed();
        })
        .onSignal(RecoveryCompleted.instance(), state -> {
          outbox.recovered(state);
          snapshots.recovered(lastSequenceNumber(context));
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
        })
        .onSignal(PostStop.instance(), state -> metrics.close())
        .build();
  }
}
