package io.keyflow.sharding;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Rendezvous (highest-random-weight) hashing of key groups onto members: each key group goes to the
 * member with the highest {@code hash(keyGroup, member)}. When a member joins, only the key groups
 * it now wins move (about 1/N); when one leaves, only its own groups move. Pure and deterministic:
 * every node computes the same owner from the same membership.
 */
public final class RendezvousAssignment {

  private RendezvousAssignment() {}

  /** The owner of {@code keyGroup} among {@code members} (member ids, e.g. addresses). */
  public static String ownerOf(String keyGroup, Collection<String> members) {
    String best = null;
    long bestWeight = Long.MIN_VALUE;
    for (String member : members) {
      long weight = weight(keyGroup, member);
      if (best == null || weight > bestWeight || (weight == bestWeight && member.compareTo(best) < 0)) {
        best = member;
        bestWeight = weight;
      }
    }
    if (best == null) {
      throw new IllegalArgumentException("no members to own key group " + keyGroup);
    }
    return best;
  }

  /**
   * Key groups to move now: those not on their rendezvous owner, not already moving, at most
   * {@code limit} in flight in total (moves already in progress count against it).
   *
   * @param current member → key groups it holds
   */
  public static Set<String> toMove(Map<String, ? extends Collection<String>> current, Set<String> inProgress, int limit) {
    Set<String> moves = new LinkedHashSet<>();
    int budget = limit - inProgress.size();
    if (budget <= 0) {
      return moves;
    }
    List<String> members = List.copyOf(current.keySet());
    // Sorted, so that every coordinator picks the same groups first.
    TreeMap<String, String> holderOf = new TreeMap<>();
    current.forEach((member, groups) -> groups.forEach(g -> holderOf.put(g, member)));
    for (var entry : holderOf.entrySet()) {
      if (moves.size() >= budget) {
        break;
      }
      String group = entry.getKey();
      if (!inProgress.contains(group) && !ownerOf(group, members).equals(entry.getValue())) {
        moves.add(group);
      }
    }
    return moves;
  }

  /** A 64-bit mix of (key group, member); stable across JVMs. */
  static long weight(String keyGroup, String member) {
    long h = 0xcbf29ce484222325L;
    for (byte b : (keyGroup + "\u0000" + member).getBytes(StandardCharsets.UTF_8)) {
      h ^= b;
      h *= 0x100000001b3L;
    }
    // splitmix64 finalizer: FNV alone clusters for near-identical inputs such as "12" and "13".
    h ^= h >>> 30;
    h *= 0xbf58476d1ce4e5b9L;
    h ^= h >>> 27;
    h *= 0x94d049bb133111ebL;
    h ^= h >>> 31;
    return h;
  }
}
