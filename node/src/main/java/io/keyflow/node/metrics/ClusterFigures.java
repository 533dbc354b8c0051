package io.keyflow.node.metrics;

import io.keyflow.persistence.CborSerializable;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Every node's figures on every node, over the cluster's own channel: each node samples its meters
 * every {@code interval} ({@link FigureSampler}), keeps the result, and sends it to the figures actor
 * of every other member (found through the receptionist); what arrives goes into this node's
 * {@link FigureHistory}, with the cluster's membership changes as marks. So whichever node serves
 * the dashboard shows the whole cluster, its recent past included, with no HTTP call to a peer.
 */
public final class ClusterFigures {

  /** Serializable, local ones too: the ITs run with {@code pekko.actor.serialize-messages = on}. */
  interface Command extends CborSerializable {}

  /** One node's figures of one interval, from {@code node} (its member address). */
  record Figures(String node, NodeFigures figures) implements Command {}

  private enum Tick implements Command { INSTANCE }

  private record Peers(Set<ActorRef<Command>> peers) implements Command {}

  private record Membership(String kind, String text) implements Command {}

  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "keyflow-figures");

  private ClusterFigures() {}

  /** Starts this node's figures actor; {@code history} is what the dashboard reads. */
  public static void start(ActorSystem<?> system, MeterRegistry registry, FigureHistory history, Duration interval) {
    String self = Cluster.get(system).selfMember().address().toString();
    system.systemActorOf(Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> {
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      context.getSystem().receptionist().tell(Receptionist.subscribe(KEY,
          context.messageAdapter(Receptionist.Listing.class, l -> new Peers(l.getServiceInstances(KEY)))));
      var subscriptions = Cluster.get(context.getSystem()).subscriptions();
      subscriptions.tell(Subscribe.create(context.messageAdapter(ClusterEvent.MemberEvent.class, ClusterFigures::membership),
          ClusterEvent.MemberEvent.class));
      subscriptions.tell(Subscribe.create(
          context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ClusterFigures::membership),
          ClusterEvent.ReachabilityEvent.class));
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
      FigureSampler sampler = new FigureSampler(registry, System::currentTimeMillis);
      return behavior(self, sampler, history);
    })), "keyflow-figures", Props.empty());
  }

  private static Behavior<Command> behavior(String self, FigureSampler sampler, FigureHistory history) {
    Set<ActorRef<Command>> peers = new HashSet<>();
    return Behaviors.receive(Command.class)
        .onMessage(Peers.class, p -> {
          peers.clear();
          peers.addAll(p.peers());
          return Behaviors.same();
        })
        .onMessage(Tick.class, t -> {
          NodeFigures figures = sampler.sample();
          add(history, self, figures);
          Figures message = new Figures(self, figures);
          for (ActorRef<Command> peer : peers) {
            if (!peer.path().address().hasLocalScope()) {
              peer.tell(message);
            }
          }
          history.forgetOld(System.currentTimeMillis());
          return Behaviors.same();
        })
        .onMessage(Figures.class, f -> {
          add(history, f.node(), f.figures());
          return Behaviors.same();
        })
        .onMessage(Ignored.class, i -> Behaviors.same())
        .onMessage(Membership.class, m -> {
          history.mark(System.currentTimeMillis(), m.kind(), m.text());
          return Behaviors.same();
        })
        .build();
  }

  /** Keeps a node's figures; moves and recoveries in them are marks too, whichever node they happened on. */
  private static void add(FigureHistory history, String node, NodeFigures figures) {
    history.add(node, figures);
    if (figures.movesStarted() > 0) {
      history.mark(figures.atMillis(), "moving", String.format(java.util.Locale.ROOT,
          "rebalance: %d key group(s) moving (decided by %s)", figures.movesStarted(), node));
    }
    if (figures.recoveries() > 0) {
      history.mark(figures.atMillis(), "recovered", String.format(java.util.Locale.ROOT,
          "%s: %d key group(s) recovered, slowest %.1f s", node, figures.recoveries(), figures.slowestRecoverySeconds()));
    }
  }

  /** The membership changes worth a mark on the time axis; everything else is ignored. */
  private static Command membership(ClusterEvent.ClusterDomainEvent event) {
    if (event instanceof ClusterEvent.UnreachableMember e) {
      return new Membership("unreachable", e.member().address() + " unreachable");
    } else if (event instanceof ClusterEvent.ReachableMember e) {
      return new Membership("reachable", e.member().address() + " reachable again");
    } else if (event instanceof ClusterEvent.MemberUp e) {
      return new Membership("up", e.member().address() + " up");
    } else if (event instanceof ClusterEvent.MemberDowned e) {
      return new Membership("down", e.member().address() + " downed");
    } else if (event instanceof ClusterEvent.MemberLeft e) {
      return new Membership("leaving", e.member().address() + " leaving");
    } else if (event instanceof ClusterEvent.MemberRemoved e) {
      return new Membership("removed", e.member().address() + " removed");
    }
    return Ignored.INSTANCE;
  }

  private enum Ignored implements Command { INSTANCE }
}
