package io.keyflow.sharding.internal.ingest;

import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestResult;
import io.keyflow.sharding.KeyGroupSharding;
import io.keyflow.sharding.ShardingSettings;
import io.keyflow.sharding.internal.placement.RendezvousAllocationStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a request's shares for key groups that another node holds to that node's
 * {@link IngestGateway}, one message per node. Which node holds a key group's shard is what that
 * node's gateway reported a moment ago (its own shard region's state); a report can be stale by a
 * hand-off, and then the receiving node's lane reaches the group through sharding, one hop more,
 * never lost. A node holds nothing until its shards arrive, so a joining node gets no shares before
 * it runs key groups (sending by rendezvous placement instead stalled a chaos run for 15 s while a
 * restarted, still cold node took every request's shares for groups it did not hold yet).
 *
 * <p>Failure handling keeps every share applied once: the gateway's answer settles each share (applied,
 * refused, or failed and so "maybe applied" for the client); no answer within the ask timeout fails
 * them likewise. An owner that is unreachable gets nothing: its key groups' shares go through sharding
 * from here, which waits for them to move; and when a node becomes unreachable or leaves the members,
 * shares still waiting on it are submitted here, through sharding, as resends — a share its key group
 * applied already counts as accepted, since its identity (ticket, key group, offsets) is the same
 * whichever node submits it. (Waiting for the removal instead held a killed node's shares until the
 * crash detector's down, the removal and the keeper's wake round: 10 s to the last moved group
 * instead of 5.5 s in the chaos kill scenario.)
 */
final class OwnerForwarder implements IngestGateway.Holders {

  /** One forwarded message: its shares' futures, settled once (by the answer, a failure or a resend). */
  private record Forward(PipelineDefinition definition, String owner, List<IngestGateway.Share> shares,
      List<CompletableFuture<IngestResult>> results, AtomicBoolean settled) {}

  /** What a node's gateway last reported holding, and when it arrived. */
  private record Report(Set<String> shards, long atNanos) {}

  private static final Logger log = LoggerFactory.getLogger(OwnerForwarder.class);

  private final ActorSystem<?> system;
  private final KeyGroupSharding sharding;
  private final GroupCommitter committer;
  private final Duration timeout;
  private final String self;
  private final Set<Forward> waiting = ConcurrentHashMap.newKeySet();
  private volatile Map<String, ActorRef<IngestGateway.Command>> gateways = Map.of();
  /** Per pipeline, per other node's address: the shards it reported holding. */
  private final Map<String, Map<String, Report>> reports = new ConcurrentHashMap<>();
  private final long staleAfterNanos;

  OwnerForwarder(ActorSystem<?> system, KeyGroupSharding sharding, GroupCommitter committer, ShardingSettings settings) {
    this.system = system;
    this.sharding = sharding;
    this.committer = committer;
    // The receiving lane gives up at the ask timeout and answers; a little more for the way back.
    this.timeout = settings.askTimeout().plus(settings.attemptTimeout());
    this.self = Cluster.get(system).selfMember().address().toString();
    this.staleAfterNanos = settings.forwardReportInterval().multipliedBy(3).toNanos();
  }

  @Override
  public void gateways(Set<ActorRef<IngestGateway.Command>> listed) {
    gateways = IngestGateway.byAddress(listed, self);
  }

  @Override
  public void holding(ActorRef<IngestGateway.Command> from, String pipeline, Set<String> shards) {
    reports.computeIfAbsent(pipeline, p -> new ConcurrentHashMap<>())
        .put(IngestGateway.addressOf(from, self), new Report(Set.copyOf(shards), System.nanoTime()));
  }

  /**
   * For each key group of {@code definition}, the node to send its share to: another node whose
   * gateway reported holding the group's shard within the last {@code staleAfter}, and that is
   * reachable and Up; null: submit here (this node holds it, or nobody reported it, or two nodes did,
   * while it moves).
   */
  String[] remoteOwners(PipelineDefinition definition) {
    String[] remote = new String[definition.maxKeyGroups()];
    Map<String, Report> byNode = reports.get(definition.name());
    if (byNode == null || byNode.isEmpty()) {
      return remote;
    }
    Map<String, ActorRef<IngestGateway.Command>> known = gateways;
    Set<String> usable = usable();
    long now = System.nanoTime();
    Map<String, String> holderOf = new HashMap<>();
    Set<String> contested = new HashSet<>();
    byNode.forEach((address, report) -> {
      if (now - report.atNanos() > staleAfterNanos || !usable.contains(address) || !known.containsKey(address)) {
        return;
      }
      for (String shard : report.shards()) {
        if (holderOf.putIfAbsent(shard, address) != null) {
          contested.add(shard);
        }
      }
    });
    for (int kg = 0; kg < remote.length; kg++) {
      String shard = sharding.shards().shardOf(kg);
      remote[kg] = contested.contains(shard) ? null : holderOf.get(shard);
    }
    return remote;
  }

  /** Sends {@code shares} to {@code owner}'s gateway; one future per share, in order. */
  List<CompletableFuture<IngestResult>> forward(PipelineDefinition definition, String owner,
      List<IngestGateway.Share> shares) {
    List<CompletableFuture<IngestResult>> results = new ArrayList<>(shares.size());
    shares.forEach(s -> results.add(new CompletableFuture<>()));
    Forward forward = new Forward(definition, owner, shares, results, new AtomicBoolean());
    ActorRef<IngestGateway.Command> gateway = gateways.get(owner);
    if (gateway == null) {
      resendHere(forward);
      return results;
    }
    waiting.add(forward);
    AskPattern.<IngestGateway.Command, IngestGateway.SharesApplied>ask(gateway,
            replyTo -> new IngestGateway.ApplyShares(definition.name(), shares, replyTo), timeout, system.scheduler())
        .whenComplete((answer, failure) -> {
          waiting.remove(forward);
          if (!forward.settled().compareAndSet(false, true)) {
            return;
          }
          if (failure != null) {
            Throwable cause = failure instanceof TimeoutException ? failure
                : new TimeoutException("node " + owner + " did not answer for its key groups: " + failure);
            results.forEach(r -> r.completeExceptionally(cause));
            return;
          }
          for (int i = 0; i < results.size(); i++) {
            settle(results.get(i), answer.outcomes().get(i), shares.get(i).keyGroup());
          }
        });
    return results;
  }

  /**
   * Reachability or membership changed: shares waiting on a node that is unreachable or no longer an
   * Up member go through sharding from here.
   */
  @Override
  public void membershipChanged() {
    Set<String> usable = usable();
    int resent = 0;
    for (Forward forward : waiting) {
      if (!usable.contains(forward.owner())) {
        waiting.remove(forward);
        resendHere(forward);
        resent++;
      }
    }
    if (resent > 0) {
      log.info("{} forwarded requests waited on unreachable or departed members: their shares are sent again"
          + " through sharding", resent);
    }
  }

  /** Up members that are reachable: the ones worth sending shares to. */
  private Set<String> usable() {
    var state = Cluster.get(system).state();
    Set<String> usable = RendezvousAllocationStrategy.upMembers(state);
    state.getUnreachable().forEach(m -> usable.remove(m.address().toString()));
    return usable;
  }

  private void resendHere(Forward forward) {
    if (!forward.settled().compareAndSet(false, true)) {
      return;
    }
    for (int i = 0; i < forward.shares().size(); i++) {
      IngestGateway.Share share = forward.shares().get(i);
      KeyGroupEntity.Part part = share.part();
      CompletableFuture<IngestResult> result = forward.results().get(i);
      committer.submit(forward.definition(), share.keyGroup(), part.id(),
              new Idempotency.Ticket(Idempotency.Verdict.NEW, part.source(), part.seq(), part.firstSeen()),
              part.records(), true)
          .whenComplete((r, failure) -> {
            if (failure != null) {
              result.completeExceptionally(failure);
            } else {
              result.complete(r);
            }
          });
    }
  }

  private static void settle(CompletableFuture<IngestResult> result, IngestGateway.ShareOutcome outcome, int keyGroup) {
    if (outcome.refusal() != null) {
      result.completeExceptionally(new IngestRefused(Idempotency.Verdict.valueOf(outcome.refusal()), outcome.message()));
    } else if (outcome.failure() != null) {
      result.completeExceptionally(new TimeoutException("key group " + keyGroup + " on its owner: "
          + outcome.failure() + ": " + outcome.message()));
    } else {
      result.complete(new IngestResult(outcome.accepted(), outcome.duplicates()));
    }
  }
}
