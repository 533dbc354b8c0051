package io.keyflow.sharding.internal.ingest;

import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.pipeline.Record;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestResult;
import io.keyflow.sharding.KeyGroupSharding;
import io.keyflow.sharding.ShardingSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Routes a validated request to its key groups: records are grouped by key group (keeping their
 * order) and each group's share joins that group's {@link GroupCommitter} lane, which writes it
 * (with whatever concurrent requests brought) as one journal event; all groups in parallel. With
 * {@link #forwardToOwners} the shares of key groups another node owns go to that node's lane, one
 * message per node ({@link OwnerForwarder}). The result completes only when every key group has
 * acknowledged, i.e. every record of the request is in the journal; it fails if any group fails
 * or times out, and then the client must treat the request as "maybe applied".
 */
public final class IngestRouter {

  private final KeyGroupSharding sharding;
  private final ShardingSettings settings;
  private final GroupCommitter committer;
  private final IngestMetrics metrics;
  /** Null until {@link #forwardToOwners}: every share goes through this node's lanes. */
  private volatile OwnerForwarder forwarder;
  private final java.time.Duration idempotencyWindow;
  /** This node incarnation's source of keyless tickets. */
  private final String keylessSource = "n/" + UUID.randomUUID();
  private long keylessSeq;
  private long keylessFirstSeen;

  /** {@code idempotencyWindow}: {@code keyflow.persistence.idempotency-window}, for the 409 message. */
  public IngestRouter(KeyGroupSharding sharding, ShardingSettings settings, IngestMetrics metrics,
      java.time.Duration idempotencyWindow) {
    this(sharding, settings, metrics, idempotencyWindow, new GroupCommitter(sharding, settings, metrics));
  }

  /** With the lanes given: a seam for unit tests, which answer the lanes' batches themselves. */
  IngestRouter(KeyGroupSharding sharding, ShardingSettings settings, IngestMetrics metrics,
      java.time.Duration idempotencyWindow, GroupCommitter committer) {
    this.sharding = sharding;
    this.settings = settings;
    this.committer = committer;
    this.metrics = metrics;
    this.idempotencyWindow = idempotencyWindow;
  }

  /**
   * Sends each request's shares for key groups that another node holds (as that node reported) to
   * that node's {@link IngestGateway} as one message per node, instead of one ask per key group
   * through sharding; starts this node's gateway. A share sent to a node that no longer holds its
   * key group still reaches it (that node's lane asks through sharding).
   */
  public void forwardToOwners(ActorSystem<?> system) {
    if (!settings.forwardToOwner()) {
      return;
    }
    OwnerForwarder started = new OwnerForwarder(system, sharding, committer, settings);
    IngestGateway.start(system, sharding, committer, started, settings.forwardReportInterval());
    this.forwarder = started;
  }

  /**
   * A member was removed: resend what waits on a key group now (see {@link GroupCommitter#resendInFlight}),
   * and send the shares that wait on a removed node's gateway through sharding instead.
   */
  public void memberRemoved() {
    committer.resendInFlight();
    OwnerForwarder forwarder = this.forwarder;
    if (forwarder != null) {
      forwarder.membershipChanged();
    }
  }

  /**
   * Applies {@code records} exactly once per {@code claim} (by Idempotency-Key or producer sequence;
   * null: a keyless request, applied on every call). A claim first gets its ticket from its home key
   * group (the hash of the key or producer id), journaled there; only then go the records to their
   * key groups, each part named by the ticket and its offset range. A retry after a partial failure
   * gets the same ticket and applies only what is missing; the rest counts as duplicates. Fails with
   * {@link IngestRefused} when the home group refuses the claim (nothing applied) or a key group
   * finds a part too old. {@code requestId} is the Idempotency-Key (or null), kept in the journal.
   */
  public CompletionStage<IngestResult> ingest(PipelineDefinition definition, String requestId, Idempotency.Claim claim,
      List<Record> records) {
    if (claim == null) {
      return apply(definition, requestId, keylessTicket(), records);
    }
    int home = definition.keyGroupOf(claim.homeKey());
    return committer.claim(definition, home, claim).thenCompose(ticket -> {
      if (!ticket.verdict().proceeds()) {
        throw new IngestRefused(ticket.verdict(), refusal(claim, ticket));
      }
      return apply(definition, requestId, ticket, records);
    });
  }

  private CompletionStage<IngestResult> apply(PipelineDefinition definition, String requestId, Idempotency.Ticket ticket,
      List<Record> records) {
    Map<Integer, List<Record>> byGroup = new TreeMap<>();
    for (Record record : records) {
      byGroup.computeIfAbsent(definition.keyGroupOf(record.key()), kg -> new ArrayList<>()).add(record);
    }
    List<CompletableFuture<IngestResult>> acks = new ArrayList<>();
    OwnerForwarder forwarder = this.forwarder;
    String[] owners = forwarder == null ? null : forwarder.remoteOwners(definition);
    Map<String, List<IngestGateway.Share>> remote = new TreeMap<>();
    byGroup.forEach((keyGroup, groupRecords) -> {
      String owner = owners == null ? null : owners[keyGroup];
      if (owner == null) {
        acks.add(committer.submit(definition, keyGroup, requestId, ticket, groupRecords, false).toCompletableFuture());
      } else {
        remote.computeIfAbsent(owner, o -> new ArrayList<>()).add(new IngestGateway.Share(keyGroup,
            new KeyGroupEntity.Part(requestId, groupRecords, ticket.source(), ticket.seq(), ticket.firstSeen(), 0,
                groupRecords.size())));
      }
    });
    remote.forEach((owner, shares) -> acks.addAll(forwarder.forward(definition, owner, shares)));
    return CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      IngestResult result = IngestResult.sum(acks);
      metrics.applied(definition.name(), result);
      return result;
    });
  }

  /**
   * This node's own ticket for a keyless request: its parts are recognised only when this node
   * resends them (a client cannot retry a keyless request safely), in a short window of their own.
   */
  private synchronized Idempotency.Ticket keylessTicket() {
    keylessFirstSeen = Math.max(keylessFirstSeen, System.currentTimeMillis());
    return new Idempotency.Ticket(Idempotency.Verdict.NEW, keylessSource, keylessSeq++, keylessFirstSeen);
  }

  private String refusal(Idempotency.Claim claim, Idempotency.Ticket ticket) {
    String what = claim.key() != null ? "Idempotency-Key '" + claim.key() + "'"
        : "Producer-Id '" + claim.producerId() + "' epoch " + claim.producerEpoch() + " seq " + claim.producerSeq();
    return switch (ticket.verdict()) {
      case DIFFERENT_BODY -> what + " was used before with a different body";
      case TOO_OLD -> what + " is older than the idempotency window (" + idempotencyWindow
          + "): whether it was applied cannot be told; nothing was applied now";
      case FENCED -> what + " is fenced: a higher Producer-Epoch of this producer exists";
      case OUT_OF_SEQUENCE -> what + ": an unknown producer or a new epoch must start at Producer-Seq 0";
      default -> what + ": " + ticket.verdict();
    };
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
