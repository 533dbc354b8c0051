package io.keyflow.persistence.internal;

import io.keyflow.persistence.KeyGroupEntity.Command;
import io.keyflow.persistence.KeyGroupEntity.DeliveryFailed;
import io.keyflow.persistence.KeyGroupEntity.ForwardFailed;
import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.OutputsDelivered;
import io.keyflow.persistence.KeyGroupEntity.OutputsForwarded;
import io.keyflow.persistence.KeyGroupEntity.RetryDelivery;
import io.keyflow.persistence.KeyGroupEntity.RetryForward;
import io.keyflow.persistence.KeyGroupEntity.WatermarkAdvancedTo;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.persistence.KeyflowMetrics;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.ResultsSink;
import io.keyflow.persistence.StageForwarder;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.engine.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Gets the results of one {@link KeyGroupEntity} out of its outbox: writes them to the
 * {@link ResultsSink} and forwards them to the next stage (if there is one), each with one call in
 * flight at a time and retried after a back-off, and holds the explicit-watermark replies that wait
 * for the next stage. Knows, in memory, how far each destination has confirmed; used only from the
 * entity's own thread.
 */
public final class OutboxDelivery {

  /** An explicit-watermark reply waiting until the next stage has every output up to {@code untilSeq}. */
  private record PendingWatermark(long untilSeq, ActorRef<WatermarkAdvancedTo> replyTo, long watermark) {}

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final PipelineDefinition definition;
  private final int keyGroup;
  private final ResultsSink sink;
  private final StageForwarder forwarder;
  private final PersistenceSettings settings;
  /** Writes that fired results and wait, per destination, to be timed when it has them. */
  private static final int MAX_TIMED_FIRINGS = 1_000;

  private final List<PendingWatermark> pendingWatermarks = new ArrayList<>();
  private long deliveredInMemory;
  private boolean deliveryInFlight;
  private long forwardedInMemory;
  private boolean forwardInFlight;
  /** Firing to results store, and firing to next stage (null without one): the processing lag meters. */
  private final FiringLag writtenLag;
  private final FiringLag forwardedLag;

  /** {@code forwarder}: delivers the results to the next stage (null: there is none). */
  public OutboxDelivery(
      ActorContext<Command> context, TimerScheduler<Command> timers, PipelineDefinition definition,
      int keyGroup, ResultsSink sink, StageForwarder forwarder, PersistenceSettings settings) {
    this.context = context;
    this.timers = timers;
    this.definition = definition;
    this.keyGroup = keyGroup;
    this.sink = sink;
    this.forwarder = forwarder;
    this.settings = settings;
    KeyflowMetrics metrics = KeyflowMetrics.get(context.getSystem());
    this.writtenLag = new FiringLag(metrics.resultsWrittenLag(definition.name(), definition.stage()), MAX_TIMED_FIRINGS);
    this.forwardedLag = forwarder == null ? null
        : new FiringLag(metrics.forwardedLag(definition.name(), definition.stage()), MAX_TIMED_FIRINGS);
  }

  /** Whether results also go to a next stage. */
  public boolean forwarding() {
    return forwarder != null;
  }

  /** Every output up to this sequence number is known to be in the results store. */
  public long deliveredUpTo() {
    return deliveredInMemory;
  }

  /** Every output up to this sequence number is known to be in the next stage's journal. */
  public long forwardedUpTo() {
    return forwardedInMemory;
  }

  /** Starts from what the recovered state records as delivered and forwarded. */
  public void recovered(KeyGroupState state) {
    deliveredInMemory = state.deliveredSeq();
    forwardedInMemory = state.forwardedSeq();
    long last = state.outbox().isEmpty() ? 0 : state.outbox().lastKey();
    writtenLag.recovered(last);
    if (forwardedLag != null) {
      forwardedLag.recovered(last);
    }
  }

  /** Writes outbox results past what is known delivered; one write in flight at a time. */
  public void deliver(KeyGroupState state) {
    if (!state.outbox().isEmpty()) {
      writtenLag.fired(state.outbox().lastKey(), System.nanoTime());
    }
    if (deliveryInFlight) {
      return;
    }
    SortedMap<Long, Output> pending = state.outbox().tailMap(deliveredInMemory, false);
    if (pending.isEmpty()) {
      return;
    }
    TreeMap<Long, Output> batch = new TreeMap<>();
    for (var entry : pending.entrySet()) {
      if (batch.size() >= settings.deliveryBatch()) {
        break;
      }
      batch.put(entry.getKey(), entry.getValue());
    }
    long upTo = batch.lastKey();
    deliveryInFlight = true;
    context.pipeToSelf(sink.write(definition.name(), definition.stage(), keyGroup, batch),
        (ok, failure) -> failure == null ? new OutputsDelivered(upTo) : new DeliveryFailed(String.valueOf(failure)));
  }

  /** The results store has every output up to {@code upToSeq}. */
  public void onDelivered(long upToSeq) {
    deliveryInFlight = false;
    deliveredInMemory = Math.max(deliveredInMemory, upToSeq);
    writtenLag.confirmed(upToSeq, System.nanoTime());
  }

  /** A results store write failed: {@link RetryDelivery} after a back-off. */
  public void onDeliveryFailed(String reason) {
    deliveryInFlight = false;
    context.getLog().warn("key group {} of {}: results write failed, retrying in {}: {}",
        keyGroup, definition.name(), settings.deliveryRetry(), reason);
    timers.startSingleTimer(RetryDelivery.INSTANCE, settings.deliveryRetry());
  }

  /**
   * Forwards outbox results past what the next stage is known to have, one batch in flight at a
   * time, in output order: every target key group sees each source's records in increasing sequence
   * numbers, which is what makes its high-water mark exact.
   */
  public void forward(KeyGroupState state) {
    if (forwarder == null) {
      return;
    }
    if (!state.outbox().isEmpty()) {
      forwardedLag.fired(state.outbox().lastKey(), System.nanoTime());
    }
    if (forwardInFlight) {
      return;
    }
    SortedMap<Long, Output> pending = state.outbox().tailMap(forwardedInMemory, false);
    if (pending.isEmpty()) {
      return;
    }
    PipelineDefinition next = definition.next();
    Map<Integer, List<Forwarded>> byTarget = new TreeMap<>();
    long upTo = forwardedInMemory;
    int taken = 0;
    for (var entry : pending.entrySet()) {
      if (taken++ >= settings.deliveryBatch()) {
        break;
      }
      upTo = entry.getKey();
      Output o = entry.getValue();
      if (o.result() == null || o.tag() != null) {
        continue; // late records and side outputs stay in this stage
      }
      try {
        Record r = next.recordOfResult(o.result());
        byTarget.computeIfAbsent(next.keyGroupOf(r.key()), g -> new ArrayList<>()).add(new Forwarded(entry.getKey(), r));
      } catch (IllegalArgumentException e) {
        context.getLog().warn("key group {} of {}|{}: result {} cannot enter stage {} and is skipped: {}",
            keyGroup, definition.name(), definition.stage(), o.result(), next.stage(), e.getMessage());
      }
    }
    long done = upTo;
    forwardInFlight = true;
    context.pipeToSelf(forwarder.forward(definition.stage() + "/" + keyGroup, byTarget),
        (ok, failure) -> failure == null ? new OutputsForwarded(done) : new ForwardFailed(String.valueOf(failure)));
  }

  /**
   * The next stage has every output up to {@code upToSeq}: answers the watermark replies that
   * waited for it.
   */
  public void onForwarded(long upToSeq) {
    forwardInFlight = false;
    forwardedInMemory = Math.max(forwardedInMemory, upToSeq);
    forwardedLag.confirmed(upToSeq, System.nanoTime());
    pendingWatermarks.removeIf(p -> {
      if (p.untilSeq() <= forwardedInMemory) {
        p.replyTo().tell(new WatermarkAdvancedTo(keyGroup, p.watermark()));
        return true;
      }
      return false;
    });
  }

  /** Forwarding to the next stage failed: {@link RetryForward} after a back-off. */
  public void onForwardFailed(String reason) {
    forwardInFlight = false;
    context.getLog().warn("key group {} of {}|{}: forwarding to stage {} failed, retrying in {}: {}",
        keyGroup, definition.name(), definition.stage(), definition.next().stage(), settings.deliveryRetry(), reason);
    timers.startSingleTimer(RetryForward.INSTANCE, settings.deliveryRetry());
  }

  /**
   * Whether the watermark reply to {@code replyTo} must wait until the next stage has every output
   * in the outbox of {@code state}; if so it is kept and sent by {@link #onForwarded} (the caller
   * replies otherwise). Without a next stage it never waits.
   */
  public boolean replyWhenForwarded(KeyGroupState state, ActorRef<WatermarkAdvancedTo> replyTo) {
    long until = forwarder == null || state.outbox().isEmpty() ? 0 : state.outbox().lastKey();
    if (until <= forwardedInMemory) {
      return false;
    }
    pendingWatermarks.add(new PendingWatermark(until, replyTo, state.stage().watermark));
    return true;
  }
}
