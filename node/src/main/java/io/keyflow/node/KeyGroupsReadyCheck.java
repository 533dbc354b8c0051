package io.keyflow.node;

import io.keyflow.sharding.KeyGroupKeeper;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;

/**
 * pekko-management readiness check: the node is ready once the HTTP API is bound and every key
 * group of every pipeline answered in the last sweep. Registered in the node's reference.conf.
 */
public final class KeyGroupsReadyCheck implements Supplier<CompletionStage<Boolean>> {

  private static final Map<ActorSystem, KeyGroupKeeper> KEEPERS = new ConcurrentHashMap<>();

  private final ActorSystem system;

  public KeyGroupsReadyCheck(ActorSystem system) {
    this.system = system;
  }

  static void register(ActorSystem system, KeyGroupKeeper keeper) {
    KEEPERS.put(system, keeper);
    system.registerOnTermination(() -> KEEPERS.remove(system));
  }

  @Override
  public CompletionStage<Boolean> get() {
    KeyGroupKeeper keeper = KEEPERS.get(system);
    return CompletableFuture.completedFuture(keeper != null && keeper.allKeyGroupsRunning());
  }
}
