package io.keyflow.sharding;

import io.keyflow.pipeline.engine.PipelineDefinition;
import io.keyflow.sharding.internal.placement.KeyGroupShards;
import io.keyflow.sharding.internal.placement.RendezvousAllocationStrategy;
import io.keyflow.sharding.internal.placement.RendezvousAssignment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetClusterShardingStats;
import org.apache.pekko.cluster.typed.Cluster;

/** Who is in the cluster, and which member holds each key group of each pipeline. */
public final class ClusterView {

  /** One member: address, status and roles. */
  public record MemberInfo(String address, String status, boolean reachable, boolean leader) {}

  /**
   * The placement of one pipeline's key groups: key group → member address, and how many groups are
   * not (yet) where rendezvous hashing over the Up members puts them (0 once rebalancing is done).
   */
  public record Placement(String pipeline, String stage, int keyGroups, Map<Integer, String> holders, int misplaced) {}

  private final ActorSystem<?> system;
  private final KeyGroupSharding sharding;

  public ClusterView(ActorSystem<?> system, KeyGroupSharding sharding) {
    this.system = system;
    this.sharding = sharding;
  }

  public List<MemberInfo> members() {
    var state = Cluster.get(system).state();
    var unreachable = state.getUnreachable();
    Address leader = state.getLeader();
    List<MemberInfo> members = new ArrayList<>();
    for (Member m : state.getMembers()) {
      members.add(new MemberInfo(m.address().toString(), m.status().toString(),
          !unreachable.contains(m), m.address().equals(leader)));
    }
    return members;
  }

  /** Key groups unplaced, or placed elsewhere than their owner ({@link RendezvousAssignment}) among the Up members. */
  private int misplaced(int keyGroups, Map<Integer, String> holders) {
    Set<String> up = RendezvousAllocationStrategy.upMembers(Cluster.get(system).state());
    if (up.isEmpty()) {
      return keyGroups;
    }
    KeyGroupShards shards = sharding.shards();
    Map<String, String> owners = RendezvousAssignment.assign(shards.shardIds(keyGroups), up);
    int misplaced = 0;
    for (int kg = 0; kg < keyGroups; kg++) {
      String holder = holders.get(kg);
      if (holder == null || !holder.equals(owners.get(shards.shardOf(kg)))) {
        misplaced++;
      }
    }
    return misplaced;
  }

  public String selfAddress() {
    return Cluster.get(system).selfMember().address().toString();
  }

  /** Asks every shard region of every pipeline which key groups it holds. */
  public CompletionStage<List<Placement>> placements(Duration timeout) {
    List<CompletableFuture<Placement>> parts = new ArrayList<>();
    for (PipelineDefinition definition : sharding.stages()) {
      CompletionStage<ShardRegion.ClusterShardingStats> stats = AskPattern.ask(
          sharding.sharding().shardState(),
          replyTo -> new GetClusterShardingStats(KeyGroupSharding.typeKey(definition), timeout, replyTo),
          timeout.plusSeconds(1), system.scheduler());
      parts.add(stats.thenApply(s -> {
        Map<Integer, String> holders = new TreeMap<>();
        s.getRegions().forEach((address, regionStats) ->
            regionStats.getStats().keySet().forEach(shard ->
                sharding.shards().rangeOf(shard, definition.maxKeyGroups()).keyGroups()
                    .forEach(kg -> holders.put(kg, address.toString()))));
        return new Placement(definition.name(), definition.stage(), definition.maxKeyGroups(), holders,
            misplaced(definition.maxKeyGroups(), holders));
      }).toCompletableFuture());
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> parts.stream().map(CompletableFuture::join).toList());
  }
}
