package io.keyflow.sharding;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CrashDetectorTest {

  @Test
  void downsOnlyWithAMajorityOfTheMembersSeeingTheRefusal() {
    // 3 members: this node and one witness against the suspect.
    assertThat(CrashDetector.down(3, 3, 3, 1)).isTrue();
    // Alone (the other survivor reaches the suspect, or did not answer): no.
    assertThat(CrashDetector.down(3, 3, 3, 0)).isFalse();
    // Not enough refusals here yet.
    assertThat(CrashDetector.down(3, 2, 3, 1)).isFalse();
    // 5 members: three of them (this node and two witnesses).
    assertThat(CrashDetector.down(5, 3, 3, 1)).isFalse();
    assertThat(CrashDetector.down(5, 3, 3, 2)).isTrue();
    // 2 members: the survivor alone is no majority (the resolver decides).
    assertThat(CrashDetector.down(2, 10, 3, 0)).isFalse();
    // 4 members: 2 of 4 is no majority.
    assertThat(CrashDetector.down(4, 3, 3, 1)).isFalse();
    assertThat(CrashDetector.down(4, 3, 3, 2)).isTrue();
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
  void anAddressWithoutHostOrPortIsUnknown() {
    assertThat(Probe.connect(org.apache.pekko.actor.Address.apply("pekko", "local"), Duration.ofMillis(100)))
        .isEqualTo(Probe.Outcome.UNKNOWN);
  }
}
