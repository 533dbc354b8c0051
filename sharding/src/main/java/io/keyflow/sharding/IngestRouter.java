package io.keyflow.sharding;

import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.PipelineDefinition;
import io.keyflow.pipeline.Record;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Routes a validated request to its key groups: records are grouped by key group (keeping their
 * order) and each group's share joins that group's {@link GroupCommitter} lane, which writes it
 * (with whatever concurrent requests brought) as one journal event; all groups in parallel. The result completes only when every key group has
 * acknowledged, i.e. every record of the request is in the journal; it fails if any group fails
 * or times out, and then the client must treat the request as "maybe applied".
 */
public final class IngestRouter {

  private final KeyGroupSharding sharding;
  private final ShardingSettings settings;
  private final GroupCommitter committer;
  private final IngestMetrics metrics;

  public IngestRouter(KeyGroupSharding sharding, ShardingSettings settings, IngestMetrics metrics) {
    this.sharding = sharding;
    this.settings = settings;
    this.committer = new GroupCommitter(sharding, settings);
    this.metrics = metrics;
  }

  /** A member was removed: resend what waits on a key group now (see {@link GroupCommitter#resendInFlight}). */
  public void memberRemoved() {
    committer.resendInFlight();
  }

  /**
   * Applies {@code records} exactly once per {@code requestId} (the client's Idempotency-Key, or
   * null: applied on every call). A retry after a partial failure applies only the key groups that
   * missed it; the others report their records as duplicates.
   */
  public CompletionStage<IngestResult> ingest(PipelineDefinition definition, String requestId, List<Record> records) {
    Map<Integer, List<Record>> byGroup = new TreeMap<>();
    for (Record record : records) {
      byGroup.computeIfAbsent(definition.keyGroupOf(record.key()), kg -> new ArrayList<>()).add(record);
    }
    List<CompletableFuture<IngestResult>> acks = new ArrayList<>();
    byGroup.forEach((keyGroup, groupRecords) ->
        acks.add(committer.submit(definition, keyGroup, requestId, groupRecords).toCompletableFuture()));
    return CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      IngestResult result = IngestResult.sum(acks);
      metrics.applied(definition.name(), result);
      return result;
    });
  }

  /**
   * Sends an explicit watermark to every key group of the pipeline, stage by stage: a stage gets it
   * once every key group of the stage before has it and has forwarded the results it fired, so the
   * watermark never overtakes them. Completes with the lowest watermark of the last stage.
   */
  public CompletionStage<Long> advanceWatermark(PipelineDefinition definition, long watermark) {
    CompletionStage<Long> done = CompletableFuture.completedFuture(watermark);
    for (PipelineDefinition stage : definition.stages()) {
      done = done.thenCompose(previous -> advanceStage(stage, watermark));
    }
    return done;
  }

  private CompletionStage<Long> advanceStage(PipelineDefinition stage, long watermark) {
    List<CompletableFuture<KeyGroupEntity.WatermarkAdvancedTo>> acks = new ArrayList<>();
    for (int kg = 0; kg < stage.maxKeyGroups(); kg++) {
      acks.add(sharding.keyGroup(stage, kg)
          .<KeyGroupEntity.WatermarkAdvancedTo>ask(replyTo -> new KeyGroupEntity.AdvanceWatermark(watermark, replyTo),
              settings.askTimeout())
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> acks.stream().mapToLong(a -> a.join().watermark()).min().orElse(watermark));
  }
}
