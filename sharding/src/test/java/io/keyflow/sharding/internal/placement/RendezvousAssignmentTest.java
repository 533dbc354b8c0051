package io.keyflow.sharding.internal.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RendezvousAssignmentTest {

  private static final int GROUPS = 128;

  private static List<String> members(int n) {
    List<String> members = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      members.add("pekko://keyflow@127.0.0." + (i + 1) + ":25520");
    }
    return members;
  }

  private static final List<String> ALL = new KeyGroupShards(1).shardIds(GROUPS);

  private static Map<String, String> assign(List<String> members) {
    Map<String, String> owner = RendezvousAssignment.assign(ALL, members);
    assertThat(owner).hasSize(GROUPS);
    return owner;
  }

  private static int moved(Map<String, String> before, Map<String, String> after) {
    int moved = 0;
    for (var e : before.entrySet()) {
      moved += e.getValue().equals(after.get(e.getKey())) ? 0 : 1;
    }
    return moved;
  }

  @Test
  void aJoinMovesAboutOneNthMostlyToTheNewMember() {
    for (int n = 1; n < 12; n++) {
      List<String> before = members(n);
      List<String> after = members(n + 1);
      Map<String, String> a = assign(before);
      Map<String, String> b = assign(after);
      double ideal = GROUPS / (double) (n + 1);
      int moved = moved(a, b);
      System.out.printf("join %d -> %d: %d moved (ideal %.1f)%n", n, n + 1, moved, ideal);
      assertThat(moved).as("join %d -> %d", n, n + 1).isLessThanOrEqualTo((int) Math.ceil(ideal * (n < 5 ? 1.15 : 1.7)));
      long toNew = b.values().stream().filter(after.get(n)::equals).count();
      assertThat(toNew).as("groups the new member takes, of the %d moved", moved).isGreaterThanOrEqualTo((long) Math.floor(ideal));
    }
  }

  @Test
  void aLeaveMovesTheLeaversGroupsAndHardlyAnyOther() {
    for (int n = 2; n <= 12; n++) {
      List<String> before = members(n);
      List<String> after = new ArrayList<>(before);
      String leaver = after.remove(n / 2);
      Map<String, String> a = assign(before);
      Map<String, String> b = assign(after);
      long leaversGroups = a.values().stream().filter(leaver::equals).count();
      int moved = moved(a, b);
      System.out.printf("leave from %d: %d moved, the leaver held %d%n", n, moved, leaversGroups);
      assertThat(moved).as("leave from %d", n).isBetween((int) leaversGroups, (int) leaversGroups + 6);
      assertThat(b).doesNotContainValue(leaver);
    }
  }

  @Test
  void everyMemberHoldsItsEvenShareToOneKeyGroup() {
    for (int members = 1; members <= 12; members++) {
      int n = members;
      Map<String, Integer> perMember = new HashMap<>();
      assign(members(n)).values().forEach(m -> perMember.merge(m, 1, Integer::sum));
      assertThat(perMember).hasSize(n);
      assertThat(perMember.values()).as("%d members", n).allMatch(c -> c == GROUPS / n || c == GROUPS / n + 1);
    }
  }

  @Test
  void theAssignmentDependsOnlyOnTheSetsNotOnTheirOrder() {
    List<String> members = members(5);
    List<String> reversed = new ArrayList<>(members);
    java.util.Collections.reverse(reversed);
    List<String> groups = new ArrayList<>(ALL);
    java.util.Collections.shuffle(groups, new java.util.Random(7));
    assertThat(RendezvousAssignment.assign(groups, reversed)).isEqualTo(assign(members));
  }

  @Test
  void rebalancePicksMisplacedGroupsWithinTheMoveLimitAndNeverOneAlreadyMoving() {
    List<String> three = members(3);
    Map<String, List<String>> current = new HashMap<>();
    current.put(three.get(0), new ArrayList<>());
    for (int kg = 0; kg < GROUPS; kg++) {
      current.get(three.get(0)).add(Integer.toString(kg)); // everything started on the first node
    }
    current.put(three.get(1), List.of());
    current.put(three.get(2), List.of());
    Map<String, String> target = assign(three);
    long misplaced = target.values().stream().filter(m -> !m.equals(three.get(0))).count();

    Set<String> first = RendezvousAssignment.toMove(current, ALL, Set.of(), 20);
    assertThat(first).hasSize(20).allMatch(g -> !target.get(g).equals(three.get(0)));
    Set<String> whileMoving = RendezvousAssignment.toMove(current, ALL, first, 30);
    assertThat(whileMoving).hasSize(10).doesNotContainAnyElementsOf(first);
    assertThat(RendezvousAssignment.toMove(current, ALL, Set.of(), 1000)).hasSize((int) misplaced);
    assertThat(RendezvousAssignment.toMove(current, ALL, first, 20)).isEmpty();
  }
}
