package io.keyflow.sharding;

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

  private static Map<String, String> assign(List<String> members) {
    Map<String, String> owner = new HashMap<>();
    for (int kg = 0; kg < GROUPS; kg++) {
      owner.put(Integer.toString(kg), RendezvousAssignment.ownerOf(Integer.toString(kg), members));
    }
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
  void aJoinMovesAboutOneNthAndOnlyToTheNewMember() {
    for (int n = 1; n < 10; n++) {
      List<String> before = members(n);
      List<String> after = members(n + 1);
      Map<String, String> a = assign(before);
      Map<String, String> b = assign(after);
      double ideal = GROUPS / (double) (n + 1);
      assertThat(moved(a, b)).as("join %d -> %d", n, n + 1).isLessThanOrEqualTo((int) Math.ceil(ideal + GROUPS * 0.05));
      for (var e : a.entrySet()) {
        if (!e.getValue().equals(b.get(e.getKey()))) {
          assertThat(b.get(e.getKey())).isEqualTo(after.get(n));
        }
      }
    }
  }

  @Test
  void aLeaveMovesOnlyTheLeaversGroups() {
    for (int n = 2; n <= 10; n++) {
      List<String> before = members(n);
      List<String> after = new ArrayList<>(before);
      String leaver = after.remove(n / 2);
      Map<String, String> a = assign(before);
      Map<String, String> b = assign(after);
      long leaversGroups = a.values().stream().filter(leaver::equals).count();
      assertThat(moved(a, b)).as("leave from %d", n).isEqualTo((int) leaversGroups);
      assertThat(leaversGroups).isLessThanOrEqualTo((long) Math.ceil(GROUPS / (double) n + GROUPS * 0.05));
    }
  }

  @Test
  void groupsSpreadEvenlyOverOneToTenMembers() {
    for (int n = 1; n <= 10; n++) {
      Map<String, Integer> perMember = new HashMap<>();
      assign(members(n)).values().forEach(m -> perMember.merge(m, 1, Integer::sum));
      assertThat(perMember).hasSize(n);
      double ideal = GROUPS / (double) n;
      assertThat(perMember.values()).as("%d members", n)
          .allMatch(c -> c >= ideal * 0.5 && c <= ideal * 1.6 + 1);
    }
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

    Set<String> first = RendezvousAssignment.toMove(current, Set.of(), 20);
    assertThat(first).hasSize(20).allMatch(g -> !target.get(g).equals(three.get(0)));
    Set<String> whileMoving = RendezvousAssignment.toMove(current, first, 30);
    assertThat(whileMoving).hasSize(10).doesNotContainAnyElementsOf(first);
    assertThat(RendezvousAssignment.toMove(current, Set.of(), 1000)).hasSize((int) misplaced);
    assertThat(RendezvousAssignment.toMove(current, first, 20)).isEmpty();
  }
}
