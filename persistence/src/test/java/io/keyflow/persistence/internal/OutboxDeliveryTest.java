package io.keyflow.persistence.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.KeyGroupEntity.Command;
import io.keyflow.persistence.KeyGroupState;
import io.keyflow.persistence.KeyflowMetrics;
import io.keyflow.persistence.PersistenceSettings;
import io.keyflow.persistence.ResultsSink;
import io.keyflow.persistence.StageForwarder;
import io.keyflow.persistence.TestParts;
import io.keyflow.pipeline.Aggregations;
import io.keyflow.pipeline.Pipeline;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.TumblingEventTimeWindows;
import io.keyflow.pipeline.WindowResult;
import io.keyflow.pipeline.engine.Output;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What the outbox promises: each result written and forwarded once, one call in flight per
 * destination, retried after {@code delivery-retry} (on a manual clock), marks that advance only on
 * confirmation, and watermark replies that wait for the next stage.
 */
class OutboxDeliveryTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ManualTime.config().withFallback(ConfigFactory.load()));
  private static final ManualTime clock = ManualTime.get(testKit.system());
  private static final Duration RETRY = Duration.ofSeconds(5);
  private static final PersistenceSettings SETTINGS = new PersistenceSettings(1000, 2, Duration.ofMinutes(5), RETRY, 3,
      Duration.ofMillis(10), Duration.ofMillis(100), TestParts.WINDOW, TestParts.SKEW, TestParts.KEYLESS, TestParts.PRODUCERS);

  private static final PipelineDefinition ITEMS = PipelineDefinition.of(Pipeline.named("outbox-items").maxKeyGroups(4)
      .keyBy("item").window(TumblingEventTimeWindows.of(Duration.ofSeconds(10))).aggregate(Aggregations.count("n"))
      .then("top").keyBy("key").window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
      .aggregate(Aggregations.none().sum("total", "n")));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  /** One call to a destination, completed (or failed) by the test. */
  private record Call(SortedMap<Long, ?> outputs, Map<Integer, List<KeyGroupEntity.Forwarded>> byTarget,
      CompletableFuture<Void> done) {}

  private static final class ControlledSink implements ResultsSink, StageForwarder {
    final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();

    @Override
    public CompletionStage<Void> write(String pipeline, String stage, int keyGroup, SortedMap<Long, Output> outputs) {
      Call call = new Call(new java.util.TreeMap<>(outputs), null, new CompletableFuture<>());
      calls.add(call);
      return call.done();
    }

    @Override
    public CompletionStage<Void> forward(String source, Map<Integer, List<KeyGroupEntity.Forwarded>> byTarget) {
      Call call = new Call(null, byTarget, new CompletableFuture<>());
      calls.add(call);
      return call.done();
    }

    Call next() throws InterruptedException {
      Call call = calls.poll(5, TimeUnit.SECONDS);
      assertThat(call).as("a call").isNotNull();
      return call;
    }
  }

  /**
   * The entity's part of the protocol, as {@code KeyGroupHandlers} wires it, around a real
   * {@link OutboxDelivery}; the test reaches the delivery on the actor's own thread with {@link #call}.
   */
  private static final class Host {
    final ConcurrentLinkedQueue<Consumer<Host>> actions = new ConcurrentLinkedQueue<>();
    final ActorRef<Command> ref;
    OutboxDelivery delivery;
    KeyGroupState state = KeyGroupState.empty();
    /** Failed writes and forwards handled (their retry timers started); read on the actor's thread. */
    int failuresHandled;

    Host(PipelineDefinition definition, ResultsSink sink, StageForwarder forwarder) {
      ref = testKit.spawn(Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
        delivery = new OutboxDelivery(ctx, timers, definition, 0, sink, forwarder, SETTINGS);
        return Behaviors.receive(Command.class)
            .onMessage(KeyGroupEntity.OutputsDelivered.class, m -> { delivery.onDelivered(m.upToSeq()); delivery.deliver(state); return Behaviors.same(); })
            .onMessage(KeyGroupEntity.DeliveryFailed.class, m -> { delivery.onDeliveryFailed(m.reason()); failuresHandled++; return Behaviors.same(); })
            .onMessageEquals(KeyGroupEntity.RetryDelivery.INSTANCE, () -> { delivery.deliver(state); return Behaviors.same(); })
            .onMessage(KeyGroupEntity.OutputsForwarded.class, m -> { delivery.onForwarded(m.upToSeq()); delivery.forward(state); return Behaviors.same(); })
            .onMessage(KeyGroupEntity.ForwardFailed.class, m -> { delivery.onForwardFailed(m.reason()); failuresHandled++; return Behaviors.same(); })
            .onMessageEquals(KeyGroupEntity.RetryForward.INSTANCE, () -> { delivery.forward(state); return Behaviors.same(); })
            .onMessageEquals(KeyGroupEntity.Tick.INSTANCE, () -> { runActions(); return Behaviors.same(); })
            .build();
      })));
    }

    private void runActions() {
      for (Consumer<Host> action; (action = actions.poll()) != null; ) {
        action.accept(this);
      }
    }

    /** Runs {@code f} on the actor's thread, after every message sent to it before. */
    <T> T call(Function<Host, T> f) {
      CompletableFuture<T> result = new CompletableFuture<>();
      actions.add(h -> result.complete(f.apply(h)));
      ref.tell(KeyGroupEntity.Tick.INSTANCE);
      return result.orTimeout(5, TimeUnit.SECONDS).join();
    }

    /** Puts fired results {@code seqs} in the outbox, then lets the delivery write and forward, as after a journal write. */
    void fire(long... seqs) {
      call(h -> {
        for (long seq : seqs) {
          h.state.outbox().put(seq, output(seq));
        }
        h.delivery.deliver(h.state);
        h.delivery.forward(h.state);
        return null;
      });
    }

    /** Waits until the delivery has handled {@code n} failures, i.e. its retry timer runs on the manual clock. */
    void awaitFailuresHandled(int n) {
      await().until(() -> call(h -> h.failuresHandled) >= n);
    }

    /** Waits until the results store's and the next stage's marks are {@code delivered} and {@code forwarded}. */
    void awaitMarks(long delivered, long forwarded) {
      await().untilAsserted(() -> assertThat(marks()).containsExactly(delivered, forwarded));
    }

    long[] marks() {
      return call(h -> new long[] {h.delivery.deliveredUpTo(), h.delivery.forwardedUpTo()});
    }
  }

  private static Output output(long seq) {
    return new Output(seq, new WindowResult("item-" + seq, 0, 10_000, Map.of("n", (double) seq)));
  }

  @Test
  void resultsAreWrittenWithOneWriteInFlightAndTheMarkAdvancesOnlyOnceTheStoreConfirms() throws Exception {
    ControlledSink sink = new ControlledSink();
    Host host = new Host(ITEMS, sink, null);
    host.fire(1, 2);
    Call first = sink.next();
    assertThat(first.outputs().keySet()).containsExactly(1L, 2L);
    host.fire(3);
    assertThat(sink.calls).isEmpty();
    assertThat(host.marks()[0]).isZero();

    first.done().complete(null);
    Call second = sink.next();
    assertThat(second.outputs().keySet()).containsExactly(3L);
    assertThat(host.marks()[0]).isEqualTo(2);
    second.done().complete(null);
    host.awaitMarks(3, 0);
    assertThat(sink.calls).isEmpty();
  }

  @Test
  void aWriteCarriesAtMostDeliveryBatchResultsAndTheRestFollows() throws Exception {
    ControlledSink sink = new ControlledSink();
    Host host = new Host(ITEMS, sink, null);
    host.fire(1, 2, 3, 4, 5);
    Call first = sink.next();
    assertThat(first.outputs().keySet()).containsExactly(1L, 2L, 3L);
    first.done().complete(null);
    assertThat(sink.next().outputs().keySet()).containsExactly(4L, 5L);
  }

  @Test
  void aFailedWriteIsRetriedWithTheSameResultsAfterTheConfiguredDelayAndNotBefore() throws Exception {
    ControlledSink sink = new ControlledSink();
    Host host = new Host(ITEMS, sink, null);
    host.fire(1, 2);
    sink.next().done().completeExceptionally(new IllegalStateException("store down"));
    host.awaitFailuresHandled(1);

    clock.timePasses(RETRY.minusMillis(1));
    host.call(h -> null);
    assertThat(sink.calls).isEmpty();
    assertThat(host.marks()[0]).isZero();

    clock.timePasses(Duration.ofMillis(1));
    Call retry = sink.next();
    assertThat(retry.outputs().keySet()).containsExactly(1L, 2L);
    retry.done().complete(null);
    host.awaitMarks(2, 0);
  }

  @Test
  void resultsGoToTheNextStagesKeyGroupsWithTheirSequenceNumbersAndLateRecordsStayBehind() throws Exception {
    ControlledSink sink = new ControlledSink();
    ControlledSink next = new ControlledSink();
    Host host = new Host(ITEMS, sink, next);
    host.call(h -> {
      h.state.outbox().put(1L, output(1));
      h.state.outbox().put(2L, new Output(2, null, new Record("item-x", 5, Map.of())));
      h.state.outbox().put(3L, output(3));
      h.delivery.forward(h.state);
      return null;
    });
    Call forward = next.next();
    assertThat(forward.byTarget().values().stream().flatMap(List::stream).map(KeyGroupEntity.Forwarded::seq))
        .containsExactlyInAnyOrder(1L, 3L);
    forward.byTarget().forEach((kg, records) -> records.forEach(f ->
        assertThat(ITEMS.next().keyGroupOf(f.record().key())).isEqualTo(kg)));
    assertThat(host.marks()[1]).isZero();
    forward.done().complete(null);
    host.awaitMarks(0, 3);
  }

  @Test
  void aFailedForwardIsRetriedAfterTheConfiguredDelay() throws Exception {
    ControlledSink next = new ControlledSink();
    Host host = new Host(ITEMS, new ControlledSink(), next);
    host.fire(1);
    Call first = next.next();
    first.done().completeExceptionally(new IllegalStateException("next stage moving"));
    host.awaitFailuresHandled(1);
    clock.timePasses(RETRY.minusMillis(1));
    host.call(h -> null);
    assertThat(next.calls).isEmpty();
    clock.timePasses(Duration.ofMillis(1));
    Call retry = next.next();
    assertThat(retry.byTarget()).isEqualTo(first.byTarget());
    retry.done().complete(null);
    await().untilAsserted(() -> assertThat(host.marks()[1]).isEqualTo(1));
  }

  @Test
  void aWatermarkReplyWaitsUntilTheNextStageHasEveryEarlierResult() throws Exception {
    ControlledSink next = new ControlledSink();
    Host host = new Host(ITEMS, new ControlledSink(), next);
    TestProbe<KeyGroupEntity.WatermarkAdvancedTo> replies = testKit.createTestProbe();
    host.fire(1, 2);
    Call forward = next.next();
    assertThat(host.<Boolean>call(h -> h.delivery.replyWhenForwarded(h.state, replies.ref())).booleanValue()).isTrue();
    forward.done().complete(null);
    assertThat(replies.expectMessageClass(KeyGroupEntity.WatermarkAdvancedTo.class).keyGroup()).isZero();
    assertThat(host.<Boolean>call(h -> h.delivery.replyWhenForwarded(h.state, replies.ref())).booleanValue()).isFalse();
  }

  @Test
  void withoutANextStageAWatermarkReplyNeverWaits() {
    Host host = new Host(ITEMS.next(), new ControlledSink(), null);
    host.fire(1);
    TestProbe<KeyGroupEntity.WatermarkAdvancedTo> replies = testKit.createTestProbe();
    assertThat(host.<Boolean>call(h -> h.delivery.replyWhenForwarded(h.state, replies.ref())).booleanValue()).isFalse();
  }

  @Test
  void afterRecoveryOnlyWhatWasNotConfirmedIsSentAndResultsFiredBeforeAreNotTimed() throws Exception {
    PipelineDefinition recovering = PipelineDefinition.of(Pipeline.named("outbox-recovery").maxKeyGroups(4).keyBy("item")
        .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10))).aggregate(Aggregations.count("n")));
    ControlledSink sink = new ControlledSink();
    Host host = new Host(recovering, sink, null);
    host.call(h -> {
      h.state = new KeyGroupState(h.state.stage(), new java.util.TreeMap<>(Map.of(2L, output(2), 3L, output(3))), 1,
          null, 0, null, null);
      h.delivery.recovered(h.state);
      h.delivery.deliver(h.state);
      return null;
    });
    assertThat(host.marks()[0]).isEqualTo(1);
    Call resend = sink.next();
    assertThat(resend.outputs().keySet()).containsExactly(2L, 3L);
    resend.done().complete(null);
    host.awaitMarks(3, 0);
    var lag = KeyflowMetrics.get(testKit.system()).registry().find("keyflow.results.written.lag")
        .tags("pipeline", "outbox-recovery").timer();
    assertThat(lag.count()).isZero();

    host.fire(4);
    sink.next().done().complete(null);
    host.awaitMarks(4, 0);
    assertThat(lag.count()).isEqualTo(1);
  }
}
