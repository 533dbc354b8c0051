package io.keyflow.sharding;

import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.PipelineDefinition;
import io.keyflow.pipeline.Record;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Group commit per key group on this node: at most one {@link KeyGroupEntity.ProcessBatch} is in
 * flight per key group; records of concurrent requests that arrive meanwhile wait in the lane and
 * go together as the next journal event (up to {@code max-records-per-event}). An idle lane sends
 * at once, so a lone request pays no extra latency; a busy one writes fewer, larger events.
 * Records of one request keep their order within a key group: lanes are FIFO.
 */
final class GroupCommitter {

  private record Pending(List<Record> records, CompletableFuture<Integer> done) {}

  private static final class Lane {
    final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    boolean inFlight;
  }

  private final KeyGroupSharding sharding;
  private final ShardingSettings settings;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

  GroupCommitter(KeyGroupSharding sharding, ShardingSettings settings) {
    this.sharding = sharding;
    this.settings = settings;
  }

  /** Completes with the number of records applied once they are all in the journal. */
  CompletionStage<Integer> submit(PipelineDefinition definition, int keyGroup, List<Record> records) {
    Lane lane = lanes.computeIfAbsent(definition.name() + "|" + keyGroup, k -> new Lane());
    List<CompletableFuture<Integer>> chunks = new ArrayList<>();
    boolean send;
    synchronized (lane) {
      for (int from = 0; from < records.size(); from += settings.maxRecordsPerEvent()) {
        List<Record> chunk = records.subList(from, Math.min(records.size(), from + settings.maxRecordsPerEvent()));
        CompletableFuture<Integer> done = new CompletableFuture<>();
        chunks.add(done);
        lane.waiting.add(new Pending(List.copyOf(chunk), done));
      }
      send = !lane.inFlight;
      lane.inFlight = true;
    }
    if (send) {
      sendNext(definition, keyGroup, lane);
    }
    // Every chunk must be in the journal before the request counts as applied in this key group.
    return CompletableFuture.allOf(chunks.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> chunks.stream().mapToInt(CompletableFuture::join).sum());
  }

  private void sendNext(PipelineDefinition definition, int keyGroup, Lane lane) {
    List<Pending> batch = new ArrayList<>();
    List<Record> records = new ArrayList<>();
    synchronized (lane) {
      while (!lane.waiting.isEmpty()
          && (batch.isEmpty() || records.size() + lane.waiting.peek().records().size() <= settings.maxRecordsPerEvent())) {
        Pending next = lane.waiting.poll();
        batch.add(next);
        records.addAll(next.records());
      }
      if (batch.isEmpty()) {
        lane.inFlight = false;
        return;
      }
    }
    sharding.keyGroup(definition, keyGroup)
        .<KeyGroupEntity.BatchAccepted>ask(replyTo -> new KeyGroupEntity.ProcessBatch(records, replyTo), settings.askTimeout())
        .whenComplete((ack, failure) -> {
          for (Pending p : batch) {
            if (failure != null) {
              p.done().completeExceptionally(failure);
            } else {
              p.done().complete(p.records().size());
            }
          }
          sendNext(definition, keyGroup, lane);
        });
  }
}
