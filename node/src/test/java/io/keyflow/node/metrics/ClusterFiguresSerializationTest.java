package io.keyflow.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The figures every node sends every member cross the wire as Jackson CBOR, named by their class:
 * after a move of their package they must still find their serializer and come back equal (NaN too).
 */
class ClusterFiguresSerializationTest {

  private static final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "figures", ConfigFactory.load());

  @AfterAll
  static void shutdown() {
    system.terminate();
  }

  @Test
  void aNodesFiguresRoundTripThroughJacksonCbor() {
    var figures = new ClusterFigures.Figures("pekko://keyflow@127.0.0.2:25520",
        new NodeFigures(10_000, 250.0, Map.of("200", 2.5, "503", 1.0), 1.0, 12.5, Double.NaN, 3.25, 64, 1, 0.75, 6,
            List.of(new StageFigures("clicks", "main", 64, 1_700_000_030.0,
                List.of(new StageFigures.Watermark(5, 1_700_000_000.0)), 8.0, Double.NaN, Double.NaN))));
    Serialization serialization = SerializationExtension.get(system);
    var serializer = serialization.findSerializerFor(figures);
    assertThat(serializer).isInstanceOf(JacksonCborSerializer.class);
    byte[] bytes = serialization.serialize(figures).get();
    assertThat(serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, figures)).get())
        .isEqualTo(figures);
  }
}
