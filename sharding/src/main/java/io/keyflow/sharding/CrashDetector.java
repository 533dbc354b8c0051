package io.keyflow.sharding;

import io.keyflow.persistence.CborSerializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.AddressFromURIString;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.apache.pekko.remote.RemoteActorRefProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * Downs a member whose process is gone within about a second, instead of the seven to nine the
 * failure detector and the split brain resolver take here. Every {@code probe-interval} each node
 * opens (and at once closes) a TCP connection to the remoting port of every other member. A refused
 * connection is definite where a silent one is not: the member's host answered that nothing listens
 * there, so its process exited (killed, crashed, out of memory); a paused or cut-off process still
 * holds its port and its connections hang, and stays the failure detector's and the resolver's case.
 *
 * <p>After {@code refusals} refusals in a row, a node asks the other members to try the port too, and
 * downs the member only when a majority of the members that count (Up, WeaklyUp, Leaving; the
 * suspect among them) saw the refusal, itself included: the side keep-majority would keep. It then
 * quarantines the gone incarnation, which marks it terminated, so the leader removes it at once
 * rather than after the failure detector's acceptable pause.
 */
public final class CrashDetector {

  /** Messages between the detectors of the cluster's nodes. */
  public sealed interface Command extends CborSerializable {}

  /** Another node asks: does {@code address}'s remoting port refuse connections from here? */
  public record Check(String address, ActorRef<Checked> replyTo) implements Command {}

  public record Checked(String address, String witness, boolean refused) implements Command {}

  private record Tick() implements Command {}

  private record Probed(Map<Address, Probe.Outcome> outcomes) implements Command {}

  private record Peers(Set<ActorRef<Command>> detectors) implements Command {}

  private static final Logger log = LoggerFactory.getLogger(CrashDetector.class);

  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "keyflow-crash-detector");

  private final ActorContext<Command> context;
  private final CrashDetectionSettings settings;
  private final Cluster cluster;
  private final ExecutorService prober;
  private final Map<Address, Integer> refusals = new HashMap<>();
  /** Suspect → witnesses that saw its port refuse; an entry means the question is out. */
  private final Map<Address, Set<String>> confirmations = new HashMap<>();
  /** Suspect → when the question went out: asked again after check-timeout without a verdict. */
  private final Map<Address, Long> askedAt = new HashMap<>();
  /** Incarnations this node downed (a new one at the same address is watched afresh). */
  private final Set<UniqueAddress> downed = new HashSet<>();
  private Set<ActorRef<Command>> peers = Set.of();
  private boolean probing;

  private CrashDetector(ActorContext<Command> context, CrashDetectionSettings settings, ExecutorService prober) {
    this.context = context;
    this.settings = settings;
    this.cluster = Cluster.get(context.getSystem());
    this.prober = prober;
  }

  /** Starts the node's detector (nothing when disabled). */
  public static void start(ActorSystem<?> system, CrashDetectionSettings settings) {
    if (!settings.enabled()) {
      return;
    }
    // Connects block (up to connect-timeout when a host drops packets): on a thread of their own.
    ExecutorService prober = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "keyflow-crash-prober");
      t.setDaemon(true);
      return t;
    });
    system.systemActorOf(Behaviors.<Command>setup(context -> Behaviors.withTimers(timers -> {
      context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
      context.getSystem().receptionist().tell(Receptionist.subscribe(KEY,
          context.messageAdapter(Receptionist.Listing.class, l -> new Peers(l.getServiceInstances(KEY)))));
      timers.startTimerWithFixedDelay(new Tick(), settings.probeInterval());
      return new CrashDetector(context, settings, prober).behavior();
    })), "keyflow-crash-detector", Props.empty());
    system.getWhenTerminated().thenRun(prober::shutdownNow);
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Tick.class, t -> onTick())
        .onMessage(Probed.class, this::onProbed)
        .onMessage(Peers.class, p -> {
          peers = p.detectors();
          return Behaviors.same();
        })
        .onMessage(Check.class, this::onCheck)
        .onMessage(Checked.class, this::onChecked)
        .build();
  }

  private Behavior<Command> onTick() {
    if (probing) {
      return Behaviors.same();
    }
    Map<Address, Member> targets = counted();
    targets.remove(cluster.selfMember().address());
    refusals.keySet().retainAll(targets.keySet());
    confirmations.keySet().retainAll(targets.keySet());
    askedAt.keySet().retainAll(targets.keySet());
    downed.removeIf(u -> !targets.containsKey(u.address()));
    if (targets.isEmpty()) {
      return Behaviors.same();
    }
    probing = true;
    context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
      Map<Address, Probe.Outcome> outcomes = new HashMap<>();
      targets.keySet().forEach(a -> outcomes.put(a, Probe.connect(a, settings.connectTimeout())));
      return outcomes;
    }, prober), (outcomes, failure) -> new Probed(failure == null ? outcomes : Map.of()));
    return Behaviors.same();
  }

  private Behavior<Command> onProbed(Probed probed) {
    probing = false;
    probed.outcomes().forEach((address, outcome) -> {
      if (outcome != Probe.Outcome.REFUSED) {
        refusals.remove(address);
        confirmations.remove(address);
        askedAt.remove(address);
        return;
      }
      int seen = refusals.merge(address, 1, Integer::sum);
      Long asked = askedAt.get(address);
      if (seen >= settings.refusals()
          && (asked == null || System.nanoTime() - asked > settings.checkTimeout().toNanos())) {
        ask(address);
      }
    });
    return Behaviors.same();
  }

  /** Asks every other detector, except the suspect's own, to try the suspect's port. */
  private void ask(Address suspect) {
    confirmations.put(suspect, new HashSet<>());
    askedAt.put(suspect, System.nanoTime());
    log.info("member {} refused {} connections to its remoting port in a row; asking the other members",
        suspect, refusals.get(suspect));
    Address self = cluster.selfMember().address();
    for (ActorRef<Command> peer : peers) {
      Address at = peer.path().address();
      if (at.hasLocalScope() || at.equals(self) || at.equals(suspect)) {
        continue;
      }
      context.ask(Checked.class, peer, settings.checkTimeout(), replyTo -> new Check(suspect.toString(), replyTo),
          (answer, failure) -> answer != null ? answer : new Checked(suspect.toString(), at.toString(), false));
    }
    decide(suspect);
  }

  private Behavior<Command> onCheck(Check check) {
    String self = selfName();
    Address target;
    try {
      target = AddressFromURIString.parse(check.address());
    } catch (RuntimeException e) {
      check.replyTo().tell(new Checked(check.address(), self, false));
      return Behaviors.same();
    }
    ActorRef<Checked> replyTo = check.replyTo();
    CompletableFuture.supplyAsync(() -> Probe.connect(target, settings.connectTimeout()), prober)
        .whenComplete((outcome, failure) ->
            replyTo.tell(new Checked(check.address(), self, outcome == Probe.Outcome.REFUSED)));
    return Behaviors.same();
  }

  private Behavior<Command> onChecked(Checked checked) {
    Address suspect = AddressFromURIString.parse(checked.address());
    Set<String> witnesses = confirmations.get(suspect);
    if (witnesses != null && checked.refused()) {
      witnesses.add(checked.witness());
      decide(suspect);
    }
    return Behaviors.same();
  }

  private void decide(Address suspect) {
    Set<String> witnesses = confirmations.get(suspect);
    Map<Address, Member> members = counted();
    Member member = members.get(suspect);
    if (witnesses == null || member == null || downed.contains(member.uniqueAddress())) {
      return;
    }
    // Only counted members witness (a joining node's answer does not make a majority).
    int counted = (int) witnesses.stream().filter(w -> members.containsKey(AddressFromURIString.parse(w))).count();
    if (!down(members.size(), refusals.getOrDefault(suspect, 0), settings.refusals(), counted)) {
      return;
    }
    downed.add(member.uniqueAddress());
    log.warn("member {} is gone: its remoting port refuses connections from this node and from {}"
        + " of {} members; downing it and quarantining its incarnation", suspect, witnesses, members.size());
    cluster.manager().tell(new Down(suspect));
    // The gone incarnation cannot answer anyway; quarantining it marks it terminated, so the leader
    // removes it without waiting for the failure detector to call it unreachable.
    var provider = ((ExtendedActorSystem) org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(context.getSystem()))
        .provider();
    if (provider instanceof RemoteActorRefProvider remote) {
      remote.quarantine(suspect, Option.apply(member.uniqueAddress().longUid()), "process gone (port refuses connections)");
    }
  }

  /**
   * Whether a member seen refusing may be downed: this node saw {@code refusedHere} refusals in a
   * row (at least {@code refusalsNeeded}), and it and the {@code witnesses} that saw the port refuse
   * form a majority of the {@code members} that count, the suspect among them.
   */
  static boolean down(int members, int refusedHere, int refusalsNeeded, int witnesses) {
    return refusedHere >= refusalsNeeded && 2 * (1 + witnesses) > members;
  }

  /** Up, WeaklyUp and Leaving members by address: those keep-majority counts. */
  private Map<Address, Member> counted() {
    Map<Address, Member> members = new HashMap<>();
    for (Member m : cluster.state().getMembers()) {
      MemberStatus s = m.status();
      if (s == MemberStatus.up() || s == MemberStatus.weaklyUp() || s == MemberStatus.leaving()) {
        members.put(m.address(), m);
      }
    }
    return members;
  }

  private String selfName() {
    return cluster.selfMember().address().toString();
  }
}
