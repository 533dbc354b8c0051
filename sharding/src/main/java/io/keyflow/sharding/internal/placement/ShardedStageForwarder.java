package io.keyflow.sharding.internal.placement;

import io.keyflow.persistence.KeyGroupEntity;
import io.keyflow.persistence.StageForwarder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * Delivers a stage's results to the key-group entities of the next stage through cluster sharding;
 * {@code next} is that stage's entity type.
 */
public final class ShardedStageForwarder implements StageForwarder {

  private final ClusterSharding sharding;
  private final KeyGroupShards shards;
  private final EntityTypeKey<KeyGroupEntity.Command> next;
  private final Duration timeout;

  public ShardedStageForwarder(ClusterSharding sharding, KeyGroupShards shards, EntityTypeKey<KeyGroupEntity.Command> next,
      Duration timeout) {
    this.sharding = sharding;
    this.shards = shards;
    this.next = next;
    this.timeout = timeout;
  }

  @Override
  public CompletionStage<Void> forward(String source, Map<Integer, List<KeyGroupEntity.Forwarded>> byTarget) {
    List<CompletableFuture<KeyGroupEntity.ForwardAccepted>> acks = new ArrayList<>();
    byTarget.forEach((keyGroup, records) -> acks.add(sharding
        .entityRefFor(next, shards.entityIdOf(keyGroup))
        .<KeyGroupEntity.ForwardAccepted>ask(replyTo -> new KeyGroupEntity.ForwardBatch(source, records, replyTo), timeout)
        .toCompletableFuture()));
    return CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0]));
  }
}
