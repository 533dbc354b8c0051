package io.keyflow.sharding.internal.failure;

import io.keyflow.persistence.CborSerializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
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
 *
 * <p>A suspicion belongs to the incarnation ({@link UniqueAddress}) that was the member when its port
 * refused: {@code Down} names only an address, so it is sent only while that incarnation is still
 * the member there, never to a new one restarted at the same address. A node whose connections to
 * a majority of the members fail (refused or unanswered) downs itself: it is cut off, possibly by
 * rules that make its own port refuse the others: see {@link CrashVerdicts#downSelf} and docs/crash-detection.md.
 */
public final class CrashDetector {

  /** Messages between the detectors of the cluster's nodes. */
  public sealed interface Command extends CborSerializable {}

  /** Another node asks: does {@code address}'s remoting port refuse connections from here? */
  public record Check(String address, ActorRef<Checked> replyTo) implements Command {}

  public record Checked(String address, String witness, boolean refused) implements Command {}

  private record Tick() implements Command {}

  private record Probed(Map<UniqueAddress, Probe.Outcome> outcomes) implements Command {}

  private record Peers(Set<ActorRef<Command>> detectors) implements Command {}

  private static final Logger log = LoggerFactory.getLogger(CrashDetector.class);

  static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "keyflow-crash-detector");

  private final ActorContext<Command> context;
  private final CrashDetectionSettings settings;
  private final Cluster cluster;
  private final ExecutorService prober;
  /** Incarnation → refusals in a row of its remoting port. */
  private final Map<UniqueAddress, Integer> refusals = new HashMap<>();
  /** Incarnation → connection attempts in a row that failed (refused or unanswered). */
  private final Map<UniqueAddress, Integer> failures = new HashMap<>();
  /** Suspect → witnesses that saw its port refuse; an entry means the question is out. */
  private final Map<UniqueAddress, Set<String>> confirmations = new HashMap<>();
  /** Suspect → when the question went out: asked again after check-timeout without a verdict. */
  private final Map<UniqueAddress, Long> askedAt = new HashMap<>();
  /** Incarnations this node downed (a new one at the same address is watched afresh). */
  private final Set<UniqueAddress> downed = new HashSet<>();
  private Set<ActorRef<Command>> peers = Set.of();
  private boolean probing;
  private boolean downedSelf;

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
    ExecutorService prober = Probe.executor();
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
        .onMessage(Peers.class, this::onPeers)
        .onMessage(Check.class, this::onCheck)
        .onMessage(Checked.class, this::onChecked)
        .build();
  }

  private Behavior<Command> onPeers(Peers p) {
    peers = p.detectors();
    return Behaviors.same();
  }

  private Behavior<Command> onTick() {
    if (probing) {
      return Behaviors.same();
    }
    Map<Address, Member> counted = counted();
    counted.remove(cluster.selfMember().address());
    Set<UniqueAddress> targets = new HashSet<>();
    counted.values().forEach(m -> targets.add(m.uniqueAddress()));
    // An incarnation that is no longer a counted member takes its suspicion with it.
    refusals.keySet().retainAll(targets);
    failures.keySet().retainAll(targets);
    confirmations.keySet().retainAll(targets);
    askedAt.keySet().retainAll(targets);
    downed.retainAll(targets);
    if (targets.isEmpty()) {
      return Behaviors.same();
    }
    probing = true;
    context.pipeToSelf(CompletableFuture.supplyAsync(() -> {
      Map<UniqueAddress, Probe.Outcome> outcomes = new HashMap<>();
      targets.forEach(u -> outcomes.put(u, Probe.connect(u.address(), fromHost(), settings.connectTimeout())));
      return outcomes;
    }, prober), (outcomes, failure) -> new Probed(failure == null ? outcomes : Map.of()));
    return Behaviors.same();
  }

  private Behavior<Command> onProbed(Probed probed) {
    probing = false;
    probed.outcomes().forEach((suspect, outcome) -> {
      if (outcome == Probe.Outcome.OPEN) {
        failures.remove(suspect);
      } else {
        failures.merge(suspect, 1, Integer::sum);
      }
      if (outcome != Probe.Outcome.REFUSED) {
        refusals.remove(suspect);
        confirmations.remove(suspect);
        askedAt.remove(suspect);
        return;
      }
      int seen = refusals.merge(suspect, 1, Integer::sum);
      Long asked = askedAt.get(suspect);
      if (seen >= settings.refusals()
          && (asked == null || System.nanoTime() - asked > settings.checkTimeout().toNanos())) {
        ask(suspect);
      }
    });
    downSelfIfCutOffFromMajority();
    return Behaviors.same();
  }

  /**
   * Downs this node when its connections to a majority of the counted members fail (refused or
   * unanswered): it is cut off, and a rule that rejects their connections makes their detectors
   * down it while it serves; so it stops first (exit-jvm).
   */
  private void downSelfIfCutOffFromMajority() {
    int needed = CrashVerdicts.selfRefusalsNeeded(settings.refusals());
    int failing = (int) failures.values().stream().filter(n -> n >= needed).count();
    int members = counted().size();
    if (downedSelf || !CrashVerdicts.downSelf(members, failing)) {
      return;
    }
    downedSelf = true;
    log.warn("connections from this node to {} of {} members failed {} times in a row (refused or unanswered):"
        + " it is cut off from the majority or they are gone; downing this node, which stops serving and exits",
        failing, members, needed);
    cluster.manager().tell(new Down(cluster.selfMember().address()));
  }

  /** Asks every other detector, except the suspect's own, to try the suspect's port. */
  private void ask(UniqueAddress suspect) {
    confirmations.put(suspect, new HashSet<>());
    askedAt.put(suspect, System.nanoTime());
    log.info("member {} refused {} connections to its remoting port in a row; asking the other members",
        suspect, refusals.get(suspect));
    Address self = cluster.selfMember().address();
    String address = suspect.address().toString();
    for (ActorRef<Command> peer : peers) {
      Address at = peer.path().address();
      if (at.hasLocalScope() || at.equals(self) || at.equals(suspect.address())) {
        continue;
      }
      context.ask(Checked.class, peer, settings.checkTimeout(), replyTo -> new Check(address, replyTo),
          (answer, failure) -> answer != null ? answer : new Checked(address, at.toString(), false));
    }
    decide(suspect);
  }

  private Behavior<Command> onCheck(Check check) {
    String self = cluster.selfMember().address().toString();
    Address target;
    try {
      target = AddressFromURIString.parse(check.address());
    } catch (RuntimeException e) {
      check.replyTo().tell(new Checked(check.address(), self, false));
      return Behaviors.same();
    }
    ActorRef<Checked> replyTo = check.replyTo();
    CompletableFuture.supplyAsync(() -> Probe.connect(target, fromHost(), settings.connectTimeout()), prober)
        .whenComplete((outcome, failure) ->
            replyTo.tell(new Checked(check.address(), self, outcome == Probe.Outcome.REFUSED)));
    return Behaviors.same();
  }

  private Behavior<Command> onChecked(Checked checked) {
    Address address = AddressFromURIString.parse(checked.address());
    // Witnesses try a port, not an incarnation: the answer counts for the suspicion out for that address.
    for (UniqueAddress suspect : List.copyOf(confirmations.keySet())) {
      if (suspect.address().equals(address) && checked.refused()) {
        confirmations.get(suspect).add(checked.witness());
        decide(suspect);
      }
    }
    return Behaviors.same();
  }

  private void decide(UniqueAddress suspect) {
    Set<String> witnesses = confirmations.get(suspect);
    Map<Address, Member> members = counted();
    Member member = members.get(suspect.address());
    if (witnesses == null || downed.contains(suspect)) {
      return;
    }
    // Only counted members witness (a joining node's answer does not make a majority).
    int counted = (int) witnesses.stream().filter(w -> members.containsKey(AddressFromURIString.parse(w))).count();
    var verdict = CrashVerdicts.suspect(suspect, member == null ? null : member.uniqueAddress(), members.size(),
        refusals.getOrDefault(suspect, 0), settings.refusals(), counted);
    if (verdict == CrashVerdicts.Suspect.FORGET) {
      log.info("member {} refused connections, but {} now: not downing it", suspect,
          member == null ? "no counted member holds its address" : "a new incarnation " + member.uniqueAddress() + " does");
      refusals.remove(suspect);
      confirmations.remove(suspect);
      askedAt.remove(suspect);
      return;
    }
    if (verdict == CrashVerdicts.Suspect.WAIT) {
      return;
    }
    downed.add(suspect);
    log.warn("member {} is gone: its remoting port refuses connections from this node and from {}"
        + " of {} members; downing it and quarantining its incarnation", suspect, witnesses, members.size());
    cluster.manager().tell(new Down(suspect.address()));
    // The gone incarnation cannot answer anyway; quarantining it marks it terminated, so the leader
    // removes it without waiting for the failure detector to call it unreachable.
    var provider = ((ExtendedActorSystem) org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(context.getSystem()))
        .provider();
    if (provider instanceof RemoteActorRefProvider remote) {
      remote.quarantine(suspect.address(), Option.apply(suspect.longUid()), "process gone (port refuses connections)");
    }
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

  /** The host of this node's remoting address, which its cluster connections leave from. */
  private String fromHost() {
    var host = cluster.selfMember().address().getHost();
    return host.isPresent() ? host.get() : null;
  }
}
