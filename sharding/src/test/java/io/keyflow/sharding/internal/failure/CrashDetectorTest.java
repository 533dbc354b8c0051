package io.keyflow.sharding.internal.failure;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.junit.jupiter.api.Test;

class CrashDetectorTest {

  @Test
  void downsOnlyWithAMajorityOfTheMembersSeeingTheRefusal() {
    // 3 members: this node and one witness against the suspect.
    assertThat(CrashVerdicts.down(3, 3, 3, 1)).isTrue();
    // Alone (the other survivor reaches the suspect, or did not answer): no.
    assertThat(CrashVerdicts.down(3, 3, 3, 0)).isFalse();
    // Not enough refusals here yet.
    assertThat(CrashVerdicts.down(3, 2, 3, 1)).isFalse();
    // 5 members: three of them (this node and two witnesses).
    assertThat(CrashVerdicts.down(5, 3, 3, 1)).isFalse();
    assertThat(CrashVerdicts.down(5, 3, 3, 2)).isTrue();
    // 2 members: the survivor alone is no majority (the resolver decides).
    assertThat(CrashVerdicts.down(2, 10, 3, 0)).isFalse();
    // 4 members: 2 of 4 is no majority.
    assertThat(CrashVerdicts.down(4, 3, 3, 1)).isFalse();
    assertThat(CrashVerdicts.down(4, 3, 3, 2)).isTrue();
  }

  private static UniqueAddress incarnation(int node, long uid) {
    return new UniqueAddress(new Address("pekko", "keyflow", "127.0.0." + (node + 1), 25520), uid);
  }

  @Test
  void aLateConfirmationNeverDownsANewIncarnationRestartedAtTheSameAddress() {
    UniqueAddress gone = incarnation(3, 1111L);
    UniqueAddress restarted = incarnation(3, 2222L);
    // Enough refusals and a witness: the incarnation that refused is downed while it is the member.
    assertThat(CrashVerdicts.suspect(gone, gone, 3, 3, 3, 1)).isEqualTo(CrashVerdicts.Suspect.DOWN);
    // The same verdict arriving once a new incarnation is the member at that address: forgotten.
    assertThat(CrashVerdicts.suspect(gone, restarted, 3, 3, 3, 1)).isEqualTo(CrashVerdicts.Suspect.FORGET);
    assertThat(CrashVerdicts.suspect(gone, restarted, 3, 30, 3, 2)).isEqualTo(CrashVerdicts.Suspect.FORGET);
    // Removed, or the new one still joining (not counted): nobody to down.
    assertThat(CrashVerdicts.suspect(gone, null, 2, 3, 3, 1)).isEqualTo(CrashVerdicts.Suspect.FORGET);
    // Not enough yet: keep asking.
    assertThat(CrashVerdicts.suspect(gone, gone, 3, 3, 3, 0)).isEqualTo(CrashVerdicts.Suspect.WAIT);
    assertThat(CrashVerdicts.suspect(gone, gone, 3, 2, 3, 1)).isEqualTo(CrashVerdicts.Suspect.WAIT);
  }

  @Test
  void aNodeRefusedByAMajorityDownsItselfAndOneRefusedByAMinorityDoesNot() {
    // 3 members, connections to both others fail (cut off, or both gone): down itself.
    assertThat(CrashVerdicts.downSelf(3, 2)).isTrue();
    assertThat(CrashVerdicts.downSelf(3, 1)).as("one of three killed: the survivors carry on").isFalse();
    assertThat(CrashVerdicts.downSelf(5, 2)).as("two of five killed").isFalse();
    assertThat(CrashVerdicts.downSelf(5, 3)).isTrue();
    assertThat(CrashVerdicts.downSelf(2, 1)).as("two members: no majority either way, the resolver decides").isFalse();
    assertThat(CrashVerdicts.downSelf(1, 0)).isFalse();
    // It acts one refusal earlier than the others may down it, never on none.
    assertThat(CrashVerdicts.selfRefusalsNeeded(3)).isEqualTo(2);
    assertThat(CrashVerdicts.selfRefusalsNeeded(1)).isEqualTo(1);
  }

  @Test
  void whereTheOthersMayDownThisNodeForRefusingItDownsItselfFirst() {
    // The rule's symmetry: in every cluster size, if the refusing side is a majority that may down
    // this node (it and its witnesses), this node, refused by each of them, downs itself.
    for (int members = 1; members <= 9; members++) {
      for (int refusing = 0; refusing < members; refusing++) {
        boolean othersMayDown = refusing > 0 && CrashVerdicts.down(members, 3, 3, refusing - 1);
        assertThat(CrashVerdicts.downSelf(members, refusing)).as("%d of %d members refusing", refusing, members)
            .isEqualTo(othersMayDown);
      }
    }
  }

  @Test
  void aListeningPortIsOpenAndAClosedOneRefuses() throws Exception {
    int port;
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      port = server.getLocalPort();
      assertThat(Probe.connect("127.0.0.1", port, Duration.ofMillis(500))).isEqualTo(Probe.Outcome.OPEN);
    }
    assertThat(Probe.connect("127.0.0.1", port, Duration.ofMillis(500))).isEqualTo(Probe.Outcome.REFUSED);
  }

  @Test
  void aProbeLeavesFromTheNodesOwnAddressLikeItsClusterConnections() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      var accepted = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (var s = server.accept()) {
          return s.getInetAddress().getHostAddress();
        } catch (java.io.IOException e) {
          return e.toString();
        }
      });
      assertThat(Probe.connect("127.0.0.1", server.getLocalPort(), "127.0.0.3", Duration.ofMillis(500)))
          .isEqualTo(Probe.Outcome.OPEN);
      assertThat(accepted.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("127.0.0.3");
    }
  }

  @Test
  void anAddressWithoutHostOrPortIsUnknown() {
    assertThat(Probe.connect(org.apache.pekko.actor.Address.apply("pekko", "local"), Duration.ofMillis(100)))
        .isEqualTo(Probe.Outcome.UNKNOWN);
  }
}
