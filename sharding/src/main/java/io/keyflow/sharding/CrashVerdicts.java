package io.keyflow.sharding;

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
   * How many refusals in a row from a member count against this node itself: one fewer than the
   * others need before they ask for confirmation, so a node cut off by rejecting rules stops no
   * later than the majority can down it.
   */
  static int selfRefusalsNeeded(int refusalsNeeded) {
    return Math.max(1, refusalsNeeded - 1);
  }

  /**
   * Whether this node must down itself: {@code refusing} other members' ports each refused it
   * {@link #selfRefusalsNeeded} times in a row, and they are a majority of the {@code members} that
   * count (this node among them). Then either they are all gone, and keep-majority would down this
   * minority anyway, or rules between them and this node answer with a reset or port-unreachable
   * (an {@code iptables -j REJECT}), and their own detectors see this node refuse and down it
   * while it still serves. A minority that refuses (two of five killed) changes nothing here.
   */
  static boolean downSelf(int members, int refusing) {
    return refusing > 0 && 2 * refusing > members;
  }
}
