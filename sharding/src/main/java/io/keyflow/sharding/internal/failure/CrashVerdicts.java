package io.keyflow.sharding.internal.failure;

import org.apache.pekko.cluster.UniqueAddress;

/**
 * The decisions of {@link CrashDetector}, pure so that they are tested one by one (see
 * docs/crash-detection.md).
 */
final class CrashVerdicts {

  /** What to do about a member whose remoting port refused connections. */
  enum Suspect {
    /** Down it now: its incarnation is still the member at that address, and a majority saw the refusal. */
    DOWN,
    /** Keep asking: not enough refusals or witnesses yet. */
    WAIT,
    /**
     * Drop the suspicion: the incarnation that refused is no longer a counted member (it left, was
     * removed, or a new incarnation now holds its address, which is watched afresh).
     */
    FORGET
  }

  private CrashVerdicts() {}

  /**
   * The verdict on {@code suspect}, the incarnation that was the member at its address when its port
   * refused; {@code now} is the incarnation counted at that address now (null: none). {@code Down}
   * names an address, not an incarnation, so it may be sent only while the two are the same.
   */
  static Suspect suspect(UniqueAddress suspect, UniqueAddress now, int members, int refusedHere,
      int refusalsNeeded, int witnesses) {
    if (now == null || !now.equals(suspect)) {
      return Suspect.FORGET;
    }
    return down(members, refusedHere, refusalsNeeded, witnesses) ? Suspect.DOWN : Suspect.WAIT;
  }

  /**
   * Whether a member seen refusing may be downed: this node saw {@code refusedHere} refusals in a
   * row (at least {@code refusalsNeeded}), and it and the {@code witnesses} that saw the port refuse
   * form a majority of the {@code members} that count, the suspect among them.
   */
  static boolean down(int members, int refusedHere, int refusalsNeeded, int witnesses) {
    return refusedHere >= refusalsNeeded && 2 * (1 + witnesses) > members;
  }

  /**
   * How many failed connections in a row to a member count against this node itself: one fewer
   * than the refusals the others need before they ask for confirmation, so a node cut off by
   * rejecting rules stops about when the majority can down it.
   */
  static int selfRefusalsNeeded(int refusalsNeeded) {
    return Math.max(1, refusalsNeeded - 1);
  }

  /**
   * Whether this node must down itself: its connections to {@code failing} other members each
   * failed (refused, or no answer within the connect timeout) {@link #selfRefusalsNeeded} times in
   * a row, and they are a majority of the {@code members} that count (this node among them). A
   * paused or starved JVM still completes connections (the kernel accepts them), so this means the
   * majority is gone or the network cuts this node off from it; keep-majority downs this minority
   * then anyway. If the cut is a rule that answers the majority's connections to this node with a
   * reset or port-unreachable (an {@code iptables -j REJECT}), their detectors see a refusal and
   * down this node within about a second, while it still serves: so it stops by itself as soon.
   * A minority that fails (two of five killed) changes nothing.
   */
  static boolean downSelf(int members, int failing) {
    return failing > 0 && 2 * failing > members;
  }
}
