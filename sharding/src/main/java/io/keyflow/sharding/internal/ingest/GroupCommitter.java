package io.keyflow.sharding.internal.ingest;

import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestResult;
import io.keyflow.sharding.KeyGroupSharding;
import io.keyflow.sharding.ShardingSettings;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
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

  /** A part waiting for its key group, or a claim waiting for its home group (then {@code part} is null). */
  private record Pending(KeyGroupEntity.Part part, CompletableFuture<IngestResult> done, boolean resend,
      Idempotency.Claim claim, CompletableFuture<Idempotency.Ticket> ticket, long enqueuedNanos) {}

  private static final class Lane {
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    boolean inFlight;
  }

  private static final Logger log = LoggerFactory.getLogger(GroupCommitter.class);
  private static final Duration RETRY_PAUSE = Duration.ofMillis(100);

  /**
   * Where a key group's batches are asked: {@link KeyGroupSharding#keyGroup} in production; a seam
   * so that unit tests can answer the batches themselves.
   */
  @FunctionalInterface
  interface KeyGroupRefs {
    EntityRef<KeyGroupEntity.Command> keyGroup(PipelineDefinition definition, int keyGroup);
  }

  private final KeyGroupRefs sharding;
  private final ShardingSettings settings;
  private final IngestMetrics metrics;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
  /**
   * One per attempt waiting for its answer: completed with true when a member is removed (send the
   * attempt again now), with false at its attempt timeout, a failure or an answer.
   */
  private final Set<CompletableFuture<Boolean>> waiting = ConcurrentHashMap.newKeySet();

  GroupCommitter(KeyGroupSharding sharding, ShardingSettings settings, IngestMetrics metrics) {
    this(sharding::keyGroup, settings, metrics);
  }

  GroupCommitter(KeyGroupRefs sharding, ShardingSettings settings, IngestMetrics metrics) {
    this.sharding = sharding;
    this.settings = settings;
    this.metrics = metrics;
  }

  /**
   * Completes once every record is in the journal (applied now, or found applied before under the
   * same ticket). Parts are chunked by this node's {@code max-records-per-event}, but named by
   * offset ranges, so a retry through a node with another chunk size deduplicates record by record.
   * Fails with {@link IngestRefused} when the key group finds a part too old to tell. {@code resend}:
   * the same records may have been submitted before (through another node), so records the key group
   * finds applied count as accepted, not as duplicates of an earlier request.
   */
  CompletionStage<IngestResult> submit(PipelineDefinition definition, int keyGroup, String requestId,
      Idempotency.Ticket ticket, List<Record> records, boolean resend) {
    Lane lane = lane(definition, keyGroup);
    List<CompletableFuture<IngestResult>> chunks = new ArrayList<>();
    boolean send;
    synchronized (lane) {
      for (int from = 0; from < records.size(); from += settings.maxRecordsPerEvent()) {
        List<Record> chunk = records.subList(from, Math.min(records.size(), from + settings.maxRecordsPerEvent()));
        CompletableFuture<IngestResult> done = new CompletableFuture<>();
        chunks.add(done);
        lane.waiting.add(new Pending(new KeyGroupEntity.Part(requestId, List.copyOf(chunk), ticket.source(), ticket.seq(),
            ticket.firstSeen(), from, records.size()), done, resend, null, null, System.nanoTime()));
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
   * Asks {@code homeGroup} for the ticket of {@code claim}; the claim rides in the group's next
   * batch event with whatever parts wait there (no write of its own, no consensus round).
   */
  CompletionStage<Idempotency.Ticket> claim(PipelineDefinition definition, int homeGroup, Idempotency.Claim claim) {
    Lane lane = lane(definition, homeGroup);
    CompletableFuture<Idempotency.Ticket> ticket = new CompletableFuture<>();
    boolean send;
    synchronized (lane) {
      lane.waiting.add(new Pending(null, null, false, claim, ticket, System.nanoTime()));
      send = !lane.inFlight;
      lane.inFlight = true;
    }
    if (send) {
      sendNext(definition, homeGroup, lane);
    }
    return ticket;
  }

  private Lane lane(PipelineDefinition definition, int keyGroup) {
    return lanes.computeIfAbsent(definition.name() + "|" + keyGroup, k -> new Lane());
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
      PipelineDefinition definition, int keyGroup, List<KeyGroupEntity.Part> parts, List<Idempotency.Claim> claims,
      long deadlineNanos, AtomicInteger attempts) {
    CompletableFuture<KeyGroupEntity.BatchAccepted> result = new CompletableFuture<>();
    attempt(definition, keyGroup, parts, claims, deadlineNanos, attempts, result);
    return result;
  }

  private void attempt(
      PipelineDefinition definition, int keyGroup, List<KeyGroupEntity.Part> parts, List<Idempotency.Claim> claims,
      long deadlineNanos, AtomicInteger attempts, CompletableFuture<KeyGroupEntity.BatchAccepted> result) {
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
        .<KeyGroupEntity.BatchAccepted>ask(replyTo -> new KeyGroupEntity.ProcessBatch(parts, claims, replyTo), Duration.ofNanos(left))
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
      CompletableFuture.runAsync(() -> attempt(definition, keyGroup, parts, claims, deadlineNanos, attempts, result),
          CompletableFuture.delayedExecutor(RETRY_PAUSE.toMillis(), TimeUnit.MILLISECONDS));
    });
  }

  private void sendNext(PipelineDefinition definition, int keyGroup, Lane lane) {
    List<Pending> batch = new ArrayList<>();
    List<KeyGroupEntity.Part> parts = new ArrayList<>();
    List<Idempotency.Claim> claims = new ArrayList<>();
    int records = 0;
    synchronized (lane) {
      while (!lane.waiting.isEmpty() && (batch.isEmpty() || records + size(lane.waiting.peek()) <= settings.maxRecordsPerEvent())) {
        Pending next = lane.waiting.poll();
        batch.add(next);
        if (next.part() != null) {
          parts.add(next.part());
        } else {
          claims.add(next.claim());
        }
        records += size(next);
      }
      if (batch.isEmpty()) {
        lane.inFlight = false;
        return;
      }
    }
    AtomicInteger attempts = new AtomicInteger();
    long started = System.nanoTime();
    attempts(definition, keyGroup, parts, claims, started + settings.askTimeout().toNanos(), attempts)
        .whenComplete((ack, failure) -> {
          if (attempts.get() > 1 && log.isDebugEnabled()) {
            log.debug("key group {} of {}: {} parts {} after {} attempts in {} ms", keyGroup, definition.name(),
                parts.size(), failure == null ? "accepted" : "failed", attempts.get(), (System.nanoTime() - started) / 1_000_000);
          }
          // After a resend, "already applied" may mean applied by our own earlier attempt: the
          // request's records are in the journal once either way; count them as accepted. (A resent
          // claim finds its own ticket: SEEN, the same ticket.)
          boolean resent = attempts.get() > 1;
          long answered = System.nanoTime();
          int part = 0;
          int claim = 0;
          for (Pending p : batch) {
            if (p.part() == null) {
              if (failure != null) {
                p.ticket().completeExceptionally(failure);
              } else {
                p.ticket().complete(ack.tickets().get(claim++));
              }
              continue;
            }
            if (failure != null) {
              p.done().completeExceptionally(failure);
              continue;
            }
            KeyGroupEntity.PartOutcome outcome = ack.parts().get(part++);
            if (outcome.tooOld()) {
              p.done().completeExceptionally(new IngestRefused(Idempotency.Verdict.TOO_OLD,
                  "request first seen longer ago than key group " + keyGroup + " remembers (its idempotency window): "
                      + "whether it was applied cannot be told"));
              continue;
            }
            metrics.shareApplied(definition.name(), answered - p.enqueuedNanos());
            if (resent || p.resend()) {
              p.done().complete(new IngestResult(outcome.applied() + outcome.duplicates(), 0));
            } else {
              p.done().complete(new IngestResult(outcome.applied(), outcome.duplicates()));
            }
          }
          sendNext(definition, keyGroup, lane);
        });
  }

  private static int size(Pending pending) {
    return pending.part() == null ? 0 : pending.part().records().size();
  }
}
