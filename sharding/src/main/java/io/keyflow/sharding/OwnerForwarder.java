package io.keyflow.sharding;

import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.PipelineDefinition;
import java.time.Duration;
import java.util.ArrayList;
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
 * Sends a request's shares for key groups that another node owns to that node's
 * {@link IngestGateway}, one message per node. The owner is where rendezvous placement over the Up
 * members puts the key group's shard ({@link RendezvousAssignment}), the placement the shard
 * coordinator converges to; while a group moves, the receiving node's lane reaches it through
 * sharding, one hop more, never lost.
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
final class OwnerForwarder {

  /** One forwarded message: its shares' futures, settled once (by the answer, a failure or a resend). */
  private record Forward(PipelineDefinition definition, String owner, List<IngestGateway.Share> shares,
      List<CompletableFuture<IngestResult>> results, AtomicBoolean settled) {}

  /** Owners of each pipeline's key groups under one set of members. */
  private record Owners(Set<String> members, Map<String, String[]> byPipeline) {}

  private static final Logger log = LoggerFactory.getLogger(OwnerForwarder.class);

  private final ActorSystem<?> system;
  private final KeyGroupSharding sharding;
  private final GroupCommitter committer;
  private final Duration timeout;
  private final String self;
  private final Set<Forward> waiting = ConcurrentHashMap.newKeySet();
  private volatile Map<String, ActorRef<IngestGateway.Command>> gateways = Map.of();
  private volatile Owners owners = new Owners(Set.of(), Map.of());

  OwnerForwarder(ActorSystem<?> system, KeyGroupSharding sharding, GroupCommitter committer, ShardingSettings settings) {
    this.system = system;
    this.sharding = sharding;
    this.committer = committer;
    // The receiving lane gives up at the ask timeout and answers; a little more for the way back.
    this.timeout = settings.askTimeout().plus(settings.attemptTimeout());
    this.self = Cluster.get(system).selfMember().address().toString();
  }

  /** The receptionist's current list of gateways. */
  void gateways(Set<ActorRef<IngestGateway.Command>> listed) {
    gateways = IngestGateway.byAddress(listed, self);
  }

  /**
   * For each key group of {@code definition}, its owner when that is another node with a gateway;
   * null: submit here. Computed once per set of Up members.
   */
  String[] remoteOwners(PipelineDefinition definition) {
    String[] byGroup = ownersOf(definition);
    Map<String, ActorRef<IngestGateway.Command>> known = gateways;
    Set<String> unreachable = unreachable();
    String[] remote = new String[definition.maxKeyGroups()];
    if (byGroup != null) {
      for (int kg = 0; kg < remote.length; kg++) {
        String owner = byGroup[kg];
        remote[kg] = owner == null || owner.equals(self) || !known.containsKey(owner) || unreachable.contains(owner)
            ? null : owner;
      }
    }
    return remote;
  }

  private String[] ownersOf(PipelineDefinition definition) {
    Set<String> members = RendezvousAllocationStrategy.upMembers(Cluster.get(system).state());
    Owners current = owners;
    if (!current.members().equals(members)) {
      current = new Owners(members, new ConcurrentHashMap<>());
      owners = current;
    }
    if (members.isEmpty()) {
      return null;
    }
    return current.byPipeline().computeIfAbsent(definition.name(), name -> {
      String[] byGroup = new String[definition.maxKeyGroups()];
      for (int kg = 0; kg < byGroup.length; kg++) {
        byGroup[kg] = RendezvousAssignment.ownerOf(sharding.shardOf(kg), members);
      }
      return byGroup;
    });
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
  void membershipChanged() {
    Set<String> up = RendezvousAllocationStrategy.upMembers(Cluster.get(system).state());
    Set<String> unreachable = unreachable();
    int resent = 0;
    for (Forward forward : waiting) {
      if (!up.contains(forward.owner()) || unreachable.contains(forward.owner())) {
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

  private Set<String> unreachable() {
    Set<String> unreachable = new HashSet<>();
    Cluster.get(system).state().getUnreachable().forEach(m -> unreachable.add(m.address().toString()));
    return unreachable;
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
              new KeyGroupEntity.Ticket(KeyGroupEntity.Verdict.NEW, part.source(), part.seq(), part.firstSeen()),
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
      result.completeExceptionally(new IngestRefused(KeyGroupEntity.Verdict.valueOf(outcome.refusal()), outcome.message()));
    } else if (outcome.failure() != null) {
      result.completeExceptionally(new TimeoutException("key group " + keyGroup + " on its owner: "
          + outcome.failure() + ": " + outcome.message()));
    } else {
      result.complete(new IngestResult(outcome.accepted(), outcome.duplicates()));
    }
  }
}
