package io.keyflow.sharding;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Places key groups by {@link RendezvousAssignment} over the shard regions' member addresses, so
 * a join or leave moves only the key groups whose owner changed, at most {@code maxMovesPerRound}
 * at a time. A group already moving is never picked again; after its hand-off it is allocated to
 * the owner under the membership of that moment.
 */
public final class RendezvousAllocationStrategy extends ShardCoordinator.AbstractShardAllocationStrategy {

  private final ActorSystem<?> system;
  private final int maxMovesPerRound;

  public RendezvousAllocationStrategy(ActorSystem<?> system, int maxMovesPerRound) {
    this.system = system;
    this.maxMovesPerRound = maxMovesPerRound;
  }

  @Override
  public Future<ActorRef> allocateShard(
      ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> currentShardAllocations) {
    Map<String, ActorRef> byAddress = new HashMap<>();
    currentShardAllocations.keySet().forEach(region -> byAddress.put(addressOf(region), region));
    String owner = RendezvousAssignment.ownerOf(shardId, byAddress.keySet());
    return Future.successful(byAddress.get(owner));
  }

  @Override
  public Future<Set<String>> rebalance(
      Map<ActorRef, IndexedSeq<String>> currentShardAllocations, Set<String> rebalanceInProgress) {
    Map<String, List<String>> current = new HashMap<>();
    currentShardAllocations.forEach((region, shards) ->
        current.put(addressOf(region), CollectionConverters.asJava(shards)));
    return Future.successful(new HashSet<>(RendezvousAssignment.toMove(current, rebalanceInProgress, maxMovesPerRound)));
  }

  /** The member address of a region; the local region's ref has no host, so use the cluster's. */
  private String addressOf(ActorRef region) {
    Address address = region.path().address();
    if (address.hasLocalScope()) {
      address = Cluster.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)).selfAddress();
    }
    return address.toString();
  }
}
