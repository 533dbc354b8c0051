package io.keyflow.sharding.internal.placement;

import io.keyflow.persistence.KeyflowMetrics;
import io.keyflow.sharding.ClusterView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Places key groups by {@link RendezvousAssignment} over the shard regions' member addresses, so
 * a join or leave moves only the key groups whose owner changed, at most {@code maxMovesPerRound}
 * at a time, and every member holds its even share (docs/placement.md). A group already moving is
 * never picked again; after its hand-off it is allocated to the owner under the membership of that
 * moment.
 */
public final class RendezvousAllocationStrategy extends ShardCoordinator.AbstractShardAllocationStrategy {

  private final Cluster cluster;
  private final int maxMovesPerRound;
  private final int keyGroupsPerShard;
  private final List<String> shards;
  private final Counter rebalances;
  private final Counter moved;
  /** The owners last computed, and for which members: allocations come one shard at a time. */
  private Set<String> ownersFor = Set.of();
  private Map<String, String> owners = Map.of();

  /**
   * {@code shards}: every shard id of the entity type placed; {@code pipeline} and {@code stage} tag
   * its rebalance counters.
   */
  public RendezvousAllocationStrategy(ActorSystem<?> system, int maxMovesPerRound, int keyGroupsPerShard,
      List<String> shards, String pipeline, String stage) {
    this.cluster = Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
    this.maxMovesPerRound = maxMovesPerRound;
    this.keyGroupsPerShard = keyGroupsPerShard;
    this.shards = List.copyOf(shards);
    MeterRegistry registry = KeyflowMetrics.get(system).registry();
    this.rebalances = Counter.builder("keyflow.rebalances").tags("pipeline", pipeline, "stage", stage)
        .description("Rebalance rounds that moved key groups (counted by the shard coordinator's node)")
        .register(registry);
    this.moved = Counter.builder("keyflow.key.groups.moved").tags("pipeline", pipeline, "stage", stage)
        .description("Key groups picked to move to their rendezvous owner (counted by the shard coordinator's node)")
        .register(registry);
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> currentShardAllocations) {
    Map<String, ActorRef> byAddress = new HashMap<>();
    currentShardAllocations.keySet().forEach(region -> byAddress.put(addressOf(region), region));
    String owner = ownersAmong(byAddress.keySet()).get(shardId);
    // A shard id outside the layout (never sent by this node's extractor) goes to the lowest address.
    return Future.successful(byAddress.get(owner != null ? owner : new TreeSet<>(byAddress.keySet()).first()));
  }

  @Override
  public Future<Set<String>> rebalance(
      Map<ActorRef, IndexedSeq<String>> currentShardAllocations, Set<String> rebalanceInProgress) {
    // Pekko passes every region, also one whose node is leaving and handing its shards off: counted as
    // an owner, it would make the survivors' new shards look misplaced and move them a second time.
    Set<String> up = upMembers(cluster.state());
    Map<String, List<String>> current = new HashMap<>();
    currentShardAllocations.forEach((region, shards) -> {
      String address = addressOf(region);
      if (up.contains(address)) {
        current.put(address, CollectionConverters.asJava(shards));
      }
    });
    Set<String> toMove = new HashSet<>(RendezvousAssignment.toMove(current, shards, rebalanceInProgress, maxMovesPerRound));
    if (!toMove.isEmpty()) {
      rebalances.increment();
      moved.increment(toMove.size() * (double) keyGroupsPerShard);
    }
    return Future.successful(toMove);
  }

  private Map<String, String> ownersAmong(Set<String> members) {
    if (!members.equals(ownersFor)) {
      owners = RendezvousAssignment.assign(shards, members);
      ownersFor = Set.copyOf(members);
    }
    return owners;
  }

  /**
   * Addresses of the members that own key groups: Up and WeaklyUp (a leaving or exiting member hands
   * its groups off and owns none). The one definition for placement and for {@link ClusterView}.
   */
  public static Set<String> upMembers(ClusterEvent.CurrentClusterState state) {
    Set<String> up = new HashSet<>();
    state.getMembers().forEach(m -> {
      if (m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp()) {
        up.add(m.address().toString());
      }
    });
    return up;
  }

  /** The member address of a region; the local region's ref has no host, so use the cluster's. */
  private String addressOf(ActorRef region) {
    Address address = region.path().address();
    if (address.hasLocalScope()) {
      address = cluster.selfAddress();
    }
    return address.toString();
  }
}
