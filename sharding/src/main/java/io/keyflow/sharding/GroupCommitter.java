package io.keyflow.sharding;

import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.PipelineDefinition;
import io.keyflow.pipeline.Record;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit per key group on this node: at most one {@link KeyGroupEntity.ProcessBatch} is in
 * flight per key group; records of concurrent requests that arrive meanwhile wait in the lane and
 * go together as the next journal event (up to {@code max-records-per-event}). An idle lane sends
 * at once, so a lone request pays no extra latency; a busy one writes fewer, larger events.
 * Records of one request keep their order within a key group: lanes are FIFO.
 */
final class GroupCommitter {

  private record Pending(KeyGroupEntity.Part part, CompletableFuture<IngestResult> done) {}

  private static final class Lane {
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    boolean inFlight;
  }

  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
  private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

  private final KeyGroupSharding sharding;
  private final ShardingSettings settings;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
  /**
   * One per attempt waiting for its answer: completed with true when a member is removed (send the
   * attempt again now), with false at its attempt timeout, a failure or an answer.
   */
  private final Set<CompletableFuture<Boolean>> waiting = ConcurrentHashMap.newKeySet();

  GroupCommitter(KeyGroupSharding sharding, ShardingSettings settings) {
    this.sharding = sharding;
    this.settings = settings;
  }

  /**
   * Completes once every record is in the journal (applied now, or found applied before under the
   * same request id). {@code requestId} may be null: then nothing is deduplicated.
   */
  CompletionStage<IngestResult> submit(PipelineDefinition definition, int keyGroup, String requestId, List<Record> records) {
    Lane lane = lanes.computeIfAbsent(definition.name() + "|" + keyGroup, k -> new Lane());
    // Without a client key the parts still get an id of this node's, so resending an attempt that
    // timed out can never apply them twice (the client itself cannot retry such a request safely).
    String id = requestId != null ? requestId : "node-" + UUID.randomUUID();
    List<CompletableFuture<IngestResult>> chunks = new ArrayList<>();
    boolean send;
    synchronized (lane) {
      int chunkNumber = 0;
      for (int from = 0; from < records.size(); from += settings.maxRecordsPerEvent()) {
        List<Record> chunk = records.subList(from, Math.min(records.size(), from + settings.maxRecordsPerEvent()));
        CompletableFuture<IngestResult> done = new CompletableFuture<>();
        chunks.add(done);
        // Chunking is deterministic for the same request, so a retry's chunk ids match the original's.
        String partId = id + "#" + chunkNumber++;
        lane.waiting.add(new Pending(new KeyGroupEntity.Part(partId, List.copyOf(chunk)), done));
      }
      send = !lane.inFlight;
      lane.inFlight = true;
    }
    if (send) {
      sendNext(definition, keyGroup, lane);
    }
    // Every chunk must be in the journal before the request counts as applied in this key group.
    return CompletableFuture.allOf(chunks.toArray(new CompletableFuture<?>[0])).thenApply(v -> IngestResult.sum(chunks));
  }

  /**
   * A member was removed: an attempt in flight may have gone to its shard region and be lost. Each is
   * sent again now (its parts are deduplicated by the key group) instead of after its attempt timeout,
   * so a moved key group takes its waiting records as soon as it runs on a survivor.
   */
  void resendInFlight() {
    waiting.forEach(attempt -> attempt.complete(true));
  }

  /**
   * Sends one batch, and again (same parts, so the entity dedupes) every attempt timeout and at once
   * when a member is removed, until the deadline: a key group that is moving or recovering makes its
   * requests wait, not fail, and a message the shard region dropped (sent to a dead node, or during
   * a hand-off) is simply sent again. Every attempt waits for its answer until the deadline, and the
   * first answer to any attempt completes the batch: an attempt the shard region held while the key
   * group moved and delivered late counts, instead of waiting for a resend to reach the group too.
   * (A resend must carry the same parts: taking newer waiting parts along made every held attempt a
   * journal write of its own once the group was back — sequential appends, measured 15 s late.)
   */
  private CompletionStage<KeyGroupEntity.BatchAccepted> attempts(
      PipelineDefinition definition, int keyGroup, List<KeyGroupEntity.Part> parts, long deadlineNanos,
      AtomicInteger attempts) {
    CompletableFuture<KeyGroupEntity.BatchAccepted> result = new CompletableFuture<>();
    attempt(definition, keyGroup, parts, deadlineNanos, attempts, result);
    return result;
  }

  private void attempt(
      PipelineDefinition definition, int keyGroup, List<KeyGroupEntity.Part> parts, long deadlineNanos,
      AtomicInteger attempts, CompletableFuture<KeyGroupEntity.BatchAccepted> result) {
    long left = deadlineNanos - System.nanoTime();
    if (result.isDone()) {
      return;
    }
    if (left <= 0) {
      result.completeExceptionally(new TimeoutException(
          "key group " + keyGroup + " of " + definition.name() + " did not answer in time"));
      return;
    }
    int attempt = attempts.incrementAndGet();
    CompletableFuture<Boolean> again = new CompletableFuture<>();
    waiting.add(again);
    // Every attempt's ask lasts until the deadline, so all of them time out together there.
    sharding.keyGroup(definition, keyGroup)
        .<KeyGroupEntity.BatchAccepted>ask(replyTo -> new KeyGroupEntity.ProcessBatch(parts, replyTo), Duration.ofNanos(left))
        .whenComplete((ack, failure) -> {
          if (failure == null) {
            result.complete(ack);
          } else if (System.nanoTime() >= deadlineNanos) {
            result.completeExceptionally(failure);
          }
          again.complete(false);
        });
    CompletableFuture.runAsync(() -> again.complete(false),
        CompletableFuture.delayedExecutor(Math.min(left, settings.attemptTimeout().toNanos()), TimeUnit.NANOSECONDS));
    again.thenAccept(atRemoval -> {
      waiting.remove(again);
      if (result.isDone()) {
        return;
      }
      if (log.isDebugEnabled()) {
        log.debug("key group {} of {}: attempt {} {}", keyGroup, definition.name(), attempt,
            atRemoval ? "resent at a member's removal" : "unanswered, sending it again");
      }
      CompletableFuture.runAsync(() -> attempt(definition, keyGroup, parts, deadlineNanos, attempts, result),
          CompletableFuture.delayedExecutor(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS));
    });
  }

  private void sendNext(PipelineDefinition definition, int keyGroup, Lane lane) {
    List<Pending> batch = new ArrayList<>();
    List<KeyGroupEntity.Part> parts = new ArrayList<>();
    int records = 0;
    synchronized (lane) {
      while (!lane.waiting.isEmpty()
          && (batch.isEmpty() || records + lane.waiting.peek().part().records().size() <= settings.maxRecordsPerEvent())) {
        Pending next = lane.waiting.poll();
        batch.add(next);
        parts.add(next.part());
        records += next.part().records().size();
      }
      if (batch.isEmpty()) {
        lane.inFlight = false;
        return;
      }
    }
    AtomicInteger attempts = new AtomicInteger();
    long started = System.nanoTime();
    attempts(definition, keyGroup, parts, started + settings.askTimeout().toNanos(), attempts)
        .whenComplete((ack, failure) -> {
          if (attempts.get() > 1 && log.isDebugEnabled()) {
            log.debug("key group {} of {}: {} parts {} after {} attempts in {} ms", keyGroup, definition.name(),
                parts.size(), failure == null ? "accepted" : "failed", attempts.get(), (System.nanoTime() - started) / 1_000_000);
          }
          // After a resend, "already applied" may mean applied by our own earlier attempt: the
          // request's records are in the journal once either way; count them as accepted.
          boolean resent = attempts.get() > 1;
          for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            int size = p.part().records().size();
            if (failure != null) {
              p.done().completeExceptionally(failure);
            } else if (ack.duplicate().get(i) && !resent) {
              p.done().complete(new IngestResult(0, size));
            } else {
              p.done().complete(new IngestResult(size, 0));
            }
          }
          sendNext(definition, keyGroup, lane);
        });
  }
}
