package io.keyflow.sharding.internal.failure;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The detectors' question and answer cross the wire as Jackson CBOR, named by their class. */
class CrashDetectorMessagesTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private static final SerializationTestKit serialization = new SerializationTestKit(testKit.system());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void checkAndCheckedRoundTripThroughJacksonCbor() {
    TestProbe<CrashDetector.Checked> probe = testKit.createTestProbe();
    var check = new CrashDetector.Check("pekko://keyflow@127.0.0.3:25520", probe.ref());
    var checked = new CrashDetector.Checked("pekko://keyflow@127.0.0.3:25520", "pekko://keyflow@127.0.0.2:25520", true);
    assertThat(SerializationExtension.get(testKit.system()).findSerializerFor(check))
        .isInstanceOf(JacksonCborSerializer.class);
    serialization.verifySerialization(check, true);
    serialization.verifySerialization(checked, true);
  }
}
