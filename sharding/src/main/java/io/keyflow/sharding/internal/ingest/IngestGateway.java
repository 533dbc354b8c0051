package io.keyflow.sharding.internal.ingest;

import io.keyflow.persistence.Idempotency;
import io.keyflow.persistence.CborSerializable;
import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.IngestRefused;
import io.keyflow.sharding.IngestResult;
import io.keyflow.sharding.KeyGroupSharding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The node's door for the shares of requests that other nodes took: one {@link ApplyShares} carries
 * every share of one request whose key groups this node holds (as it reported), and each
 * share joins the key group's {@link GroupCommitter} lane here, on the owner, as if the request had
 * come in on this node. So a key group has one lane that gathers the records of every node's
 * requests into one journal write, and a request crosses to another node as one message per
 * destination instead of one per key group (see {@link IngestRouter}).
 *
 * <p>Every {@code report-interval} the gateway asks its node's shard regions which shards they hold
 * and tells the other gateways ({@link Holding}): that is how a node knows where to send a share, with
 * no guess at placement and nothing sent to a node before its key groups have arrived there.
 *
 * <p>The answer lists one outcome per share, in order: applied and duplicate counts, or why it was
 * refused or failed. A share's identity (ticket source and sequence number, key group, offsets)
 * does not depend on the node that submits it, so the same share sent here and, after this node's
 * removal, through sharding from the sender is applied once.
 */
public final class IngestGateway {

  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "keyflow-ingest-gateway");

  /** Messages the gateway accepts. */
  public sealed interface Command extends CborSerializable {}

  /** Apply these shares of one request of {@code pipeline}; each part holds a key group's whole share. */
  public record ApplyShares(String pipeline, List<Share> shares, ActorRef<SharesApplied> replyTo) implements Command {}

  /** The records of one request for one key group, with the request's ticket (offsets 0 to total). */
  public record Share(int keyGroup, KeyGroupEntity.Part part) implements CborSerializable {}

  /** One outcome per share, in the order of {@link ApplyShares#shares()}. */
  public record SharesApplied(List<ShareOutcome> outcomes) implements CborSerializable {}

  /**
   * What happened to a share: applied and duplicate records, or {@code refusal} (an
   * {@link Idempotency.Verdict} name) or {@code failure} (the failure's class) with its message.
   */
  public record ShareOutcome(int accepted, int duplicates, String refusal, String failure, String message)
      implements CborSerializable {}

  /** Internal: the gateways of the cluster changed. */
  private record Peers(Set<ActorRef<Command>> gateways) implements Command {}

  /** Internal: a member became unreachable or reachable, or changed its status. */
  private enum MembershipChanged implements Command { INSTANCE }

  /** Internal: time to tell the other gateways which shards this node holds. */
  private enum ReportHoldings implements Command { INSTANCE }

  /** Internal: this node's region of {@code pipeline} holds {@code shards} (null: the region did not answer). */
  private record LocalHoldings(String pipeline, Set<String> shards) implements Command {}

  /**
   * From the gateway {@code from}: its node holds these shards of {@code pipeline}'s first stage (as
   * its own shard region reported them a moment ago).
   */
  public record Holding(ActorRef<Command> from, String pipeline, Set<String> shards) implements Command {}

  /** Receives what the other nodes report holding. */
  interface Holders {
    void gateways(Set<ActorRef<Command>> gateways);

    void holding(ActorRef<Command> from, String pipeline, Set<String> shards);

    void membershipChanged();
  }

  private IngestGateway() {}

  /**
   * Starts this node's gateway: it joins shares to {@code committer}'s lanes, tells the other gateways
   * every {@code reportInterval} which shards its node holds, and passes on to {@code holders} the
   * gateways of the cluster, what they report, and every reachability or membership change.
   */
  static void start(ActorSystem<?> system, KeyGroupSharding sharding, GroupCommitter committer, Holders holders,
      Duration reportInterval) {
    system.systemActorOf(Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> {
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      context.getSystem().receptionist().tell(Receptionist.subscribe(KEY,
          context.messageAdapter(Receptionist.Listing.class, l -> new Peers(l.getServiceInstances(KEY)))));
      var subscriptions = Cluster.get(context.getSystem()).subscriptions();
      subscriptions.tell(Subscribe.create(context.messageAdapter(ClusterEvent.ReachabilityEvent.class,
          e -> MembershipChanged.INSTANCE), ClusterEvent.ReachabilityEvent.class));
      subscriptions.tell(Subscribe.create(context.messageAdapter(ClusterEvent.MemberEvent.class,
          e -> MembershipChanged.INSTANCE), ClusterEvent.MemberEvent.class));
      timers.startTimerWithFixedDelay(ReportHoldings.INSTANCE, reportInterval);
      return behavior(context, sharding, committer, holders, reportInterval);
    })), "keyflow-ingest-gateway", Props.empty());
  }

  private static Behavior<Command> behavior(ActorContext<Command> context, KeyGroupSharding sharding,
      GroupCommitter committer, Holders holders, Duration reportInterval) {
    Map<String, PipelineDefinition> pipelines = sharding.pipelines();
    Set<ActorRef<Command>> peers = new HashSet<>();
    return Behaviors.receive(Command.class)
        .onMessage(Peers.class, p -> {
          peers.clear();
          peers.addAll(p.gateways());
          holders.gateways(p.gateways());
          return Behaviors.same();
        })
        .onMessage(MembershipChanged.class, m -> {
          holders.membershipChanged();
          return Behaviors.same();
        })
        .onMessage(ReportHoldings.class, r -> {
          for (PipelineDefinition definition : pipelines.values()) {
            context.ask(ShardRegion.CurrentShardRegionState.class, sharding.sharding().shardState(), reportInterval,
                replyTo -> new GetShardRegionState(KeyGroupSharding.typeKey(definition), replyTo),
                (state, failure) -> new LocalHoldings(definition.name(), state == null ? null : shardsOf(state)));
          }
          return Behaviors.same();
        })
        .onMessage(LocalHoldings.class, h -> {
          if (h.shards() != null) {
            for (ActorRef<Command> peer : peers) {
              if (!peer.equals(context.getSelf())) {
                peer.tell(new Holding(context.getSelf(), h.pipeline(), h.shards()));
              }
            }
          }
          return Behaviors.same();
        })
        .onMessage(Holding.class, h -> {
          holders.holding(h.from(), h.pipeline(), h.shards());
          return Behaviors.same();
        })
        .onMessage(ApplyShares.class, m -> {
          apply(pipelines.get(m.pipeline()), committer, m);
          return Behaviors.same();
        })
        .build();
  }

  private static void apply(PipelineDefinition definition, GroupCommitter committer, ApplyShares m) {
    if (definition == null) {
      List<ShareOutcome> unknown = new ArrayList<>();
      m.shares().forEach(s -> unknown.add(new ShareOutcome(0, 0, null, "IllegalArgumentException",
          "pipeline " + m.pipeline() + " is not deployed on this node")));
      m.replyTo().tell(new SharesApplied(unknown));
      return;
    }
    List<CompletableFuture<IngestResult>> results = new ArrayList<>(m.shares().size());
    for (Share share : m.shares()) {
      KeyGroupEntity.Part part = share.part();
      results.add(committer.submit(definition, share.keyGroup(), part.id(),
          new Idempotency.Ticket(Idempotency.Verdict.NEW, part.source(), part.seq(), part.firstSeen()),
          part.records(), false).toCompletableFuture());
    }
    CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0])).whenComplete((done, ignored) -> {
      List<ShareOutcome> outcomes = new ArrayList<>(results.size());
      for (CompletableFuture<IngestResult> result : results) {
        outcomes.add(outcomeOf(result));
      }
      m.replyTo().tell(new SharesApplied(outcomes));
    });
  }

  private static ShareOutcome outcomeOf(CompletableFuture<IngestResult> result) {
    try {
      IngestResult r = result.join();
      return new ShareOutcome(r.accepted(), r.duplicates(), null, null, null);
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (cause instanceof IngestRefused refused) {
        return new ShareOutcome(0, 0, refused.verdict().name(), null, refused.getMessage());
      }
      return new ShareOutcome(0, 0, null, cause.getClass().getSimpleName(), String.valueOf(cause.getMessage()));
    }
  }

  private static Set<String> shardsOf(ShardRegion.CurrentShardRegionState state) {
    Set<String> shards = new HashSet<>();
    state.getShards().forEach(shard -> shards.add(shard.shardId()));
    return shards;
  }

  /** The gateways by member address ({@code pekko://keyflow@host:port}). */
  static Map<String, ActorRef<Command>> byAddress(Set<ActorRef<Command>> gateways, String selfAddress) {
    Map<String, ActorRef<Command>> byAddress = new HashMap<>();
    for (ActorRef<Command> gateway : gateways) {
      byAddress.put(addressOf(gateway, selfAddress), gateway);
    }
    return byAddress;
  }

  /** The member address of a gateway; a local ref has no host, so this node's {@code selfAddress}. */
  static String addressOf(ActorRef<Command> gateway, String selfAddress) {
    var address = gateway.path().address();
    return address.hasLocalScope() ? selfAddress : address.toString();
  }
}
