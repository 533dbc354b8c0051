package io.keyflow.loadtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keyflow.loadtests.nexmark.NexmarkConfig;
import io.keyflow.loadtests.nexmark.NexmarkEvent;
import io.keyflow.loadtests.nexmark.NexmarkGenerator;
import io.keyflow.loadtests.nexmark.NexmarkQuery;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NexmarkWorkloadTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void aQuerysBatchesHoldExactlyItsEventTypesInEventOrder() throws Exception {
    NexmarkGenerator generator = new NexmarkGenerator(NexmarkConfig.defaults(5));
    NexmarkWorkload q5 = new NexmarkWorkload(generator, NexmarkQuery.Q5, 60);
    NexmarkWorkload q4 = new NexmarkWorkload(generator, NexmarkQuery.Q4, 60);
    List<NexmarkEvent> all = generator.events(0, 500);
    assertThat(lines(q5.batch(0) + q5.batch(1))).containsExactlyElementsOf(
        all.stream().filter(e -> e.type().equals("bid")).limit(120).map(NexmarkEvent::fields).map(NexmarkWorkloadTest::tree)
            .toList());
    assertThat(lines(q4.batch(1))).containsExactlyElementsOf(
        all.stream().filter(e -> !e.type().equals("person")).skip(60).limit(60).map(NexmarkEvent::fields)
            .map(NexmarkWorkloadTest::tree).toList());
  }

  @Test
  void theSameOptionsGiveTheSameBodies() {
    LoadOptions o = LoadOptions.parse("--workload", "nexmark", "--query", "q11", "--seed", "9", "--batch", "50");
    assertThat(NexmarkWorkload.from(o).batch(17)).isEqualTo(NexmarkWorkload.from(o).batch(17));
    assertThat(NexmarkWorkload.from(o).batch(17)).isNotEqualTo(NexmarkWorkload.from(o).batch(18));
    assertThat(NexmarkWorkload.from(o).batch(3).lines()).hasSize(50).allMatch(l -> l.contains("\"type\":\"bid\""));
  }

  private static List<JsonNode> lines(String body) throws Exception {
    List<JsonNode> nodes = new ArrayList<>();
    for (String line : body.split("\n")) {
      nodes.add(MAPPER.readTree(line));
    }
    return nodes;
  }

  // Through JSON text, so numbers compare as the parser reads them (an int node is not a long node).
  private static JsonNode tree(Object fields) {
    try {
      return MAPPER.readTree(MAPPER.writeValueAsString(fields));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
