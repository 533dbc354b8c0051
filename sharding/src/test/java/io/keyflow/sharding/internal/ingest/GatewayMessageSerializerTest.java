package io.keyflow.sharding.internal.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.pipeline.Record;
import io.keyflow.sharding.internal.ingest.IngestGateway.ApplyShares;
import io.keyflow.sharding.internal.ingest.IngestGateway.Share;
import io.keyflow.sharding.internal.ingest.IngestGateway.ShareOutcome;
import io.keyflow.sharding.internal.ingest.IngestGateway.SharesApplied;
import java.io.NotSerializableException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.SerializationTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class GatewayMessageSerializerTest {

  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private static final SerializationTestKit serialization = new SerializationTestKit(testKit.system());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void sharesRoundTripWithTheirKeyGroupsTicketsAndReplyAddress() {
    TestProbe<SharesApplied> probe = testKit.createTestProbe();
    Random random = new Random(3);
    for (int i = 0; i < 200; i++) {
      List<Share> shares = new ArrayList<>();
      for (int s = random.nextInt(5); s > 0; s--) {
        List<Record> records = new ArrayList<>();
        for (int r = 1 + random.nextInt(4); r > 0; r--) {
          records.add(new Record("u" + random.nextInt(100), random.nextLong() >> 4,
              Map.of("amount", (long) random.nextInt(100), "user", "u" + r)));
        }
        shares.add(new Share(random.nextInt(128), new Part(random.nextBoolean() ? "key-" + i : null, records,
            random.nextBoolean() ? "h/" + random.nextInt(128) : "n/node-" + i, random.nextLong(), random.nextLong(),
            0, records.size())));
      }
      ApplyShares message = new ApplyShares("clicks", shares, probe.ref());
      assertThat(SerializationExtension.get(testKit.system()).findSerializerFor(message))
          .isInstanceOf(GatewayMessageSerializer.class);
      serialization.verifySerialization(message, true);
    }
  }

  @Test
  void holdingReportsRoundTripThroughJacksonCbor() {
    TestProbe<IngestGateway.Command> gateway = testKit.createTestProbe();
    serialization.verifySerialization(new IngestGateway.Holding(gateway.ref(), "clicks", java.util.Set.of("0", "7", "31")), true);
  }

  @Test
  void theAnswerRoundTripsThroughJacksonCbor() {
    serialization.verifySerialization(new SharesApplied(List.of(new ShareOutcome(3, 1, null, null, null),
        new ShareOutcome(0, 0, "TOO_OLD", null, "too old"), new ShareOutcome(0, 0, null, "TimeoutException", "late"))), true);
  }

  @Test
  void aTruncatedMessageOrAnUnknownLayoutFailsLoudly() throws Exception {
    TestProbe<SharesApplied> probe = testKit.createTestProbe();
    ApplyShares message = new ApplyShares("clicks", List.of(new Share(5, new Part("k", List.of(new Record("a", 1, Map.of())),
        "h/1", 2, 3, 0, 1))), probe.ref());
    GatewayMessageSerializer serializer = (GatewayMessageSerializer) SerializationExtension.get(testKit.system())
        .findSerializerFor(message);
    byte[] bytes = serializer.toBinary(message);
    assertThatThrownBy(() -> serializer.fromBinary(Arrays.copyOf(bytes, bytes.length - 1), GatewayMessageSerializer.APPLY_SHARES))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("corrupt");
    assertThatThrownBy(() -> serializer.fromBinary(bytes, "A9"))
        .isInstanceOf(NotSerializableException.class).hasMessageContaining("not known");
  }
}
