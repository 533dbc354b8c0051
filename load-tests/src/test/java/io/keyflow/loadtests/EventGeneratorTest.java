package io.keyflow.loadtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final long START = 1_700_000_000_000L;

  private static EventGenerator generator(long seed, int keys, long disorderMs) {
    return new EventGenerator(seed, keys, 100, "user", "ts", START, 1, disorderMs);
  }

  @Test
  void sameSeedGivesSameBatchesWhateverTheOrder() {
    EventGenerator a = generator(1, 1000, 500);
    EventGenerator b = generator(1, 1000, 500);
    String later = b.batch(7);
    assertThat(a.batch(3)).isEqualTo(b.batch(3));
    assertThat(a.batch(7)).isEqualTo(later);
    assertThat(a.batch(0)).isNotEqualTo(a.batch(1));
    assertThat(generator(2, 1000, 500).batch(3)).isNotEqualTo(a.batch(3));
  }

  @Test
  void everyLineIsAJsonObjectWithTheConfiguredFields() throws Exception {
    EventGenerator g = new EventGenerator(42, 10, 50, "account", "eventTime", START, 5, 0);
    String body = g.batch(2);
    assertThat(body).endsWith("\n");
    String[] lines = body.split("\n");
    assertThat(lines).hasSize(50);
    for (int i = 0; i < lines.length; i++) {
      JsonNode event = MAPPER.readTree(lines[i]);
      assertThat(event.isObject()).isTrue();
      assertThat(event.size()).isEqualTo(3);
      assertThat(event.get("account").isTextual()).isTrue();
      assertThat(event.get("eventTime").isIntegralNumber()).isTrue();
      assertThat(event.get("eventTime").longValue()).isEqualTo(g.nominalTs(2 * 50 + i));
      assertThat(event.get(EventGenerator.AMOUNT_FIELD).isIntegralNumber()).isTrue();
      assertThat(event.get(EventGenerator.AMOUNT_FIELD).intValue()).isBetween(1, 100);
    }
  }

  @Test
  void keysStayWithinTheConfiguredCount() throws Exception {
    EventGenerator g = generator(9, 7, 500);
    Set<String> seen = new HashSet<>();
    for (long batch = 0; batch < 20; batch++) {
      for (String line : g.batch(batch).split("\n")) {
        seen.add(MAPPER.readTree(line).get("user").textValue());
      }
    }
    assertThat(seen).containsExactlyInAnyOrder("u0", "u1", "u2", "u3", "u4", "u5", "u6");
  }

  @Test
  void eventTimeStepsForwardAndStepsBackAtMostTheDisorder() throws Exception {
    EventGenerator g = generator(3, 1000, 500);
    long minBack = Long.MAX_VALUE;
    long maxBack = Long.MIN_VALUE;
    for (long batch = 0; batch < 50; batch++) {
      String[] lines = g.batch(batch).split("\n");
      for (int i = 0; i < lines.length; i++) {
        long back = g.nominalTs(batch * 100 + i) - MAPPER.readTree(lines[i]).get("ts").longValue();
        minBack = Math.min(minBack, back);
        maxBack = Math.max(maxBack, back);
      }
    }
    assertThat(minBack).isGreaterThanOrEqualTo(0);
    assertThat(maxBack).isLessThanOrEqualTo(500).isGreaterThan(400);
    assertThat(g.nominalTs(0)).isEqualTo(START);
  }

  @Test
  void rejectsFieldNamesThatWouldNeedEscaping() {
    assertThatThrownBy(() -> new EventGenerator(1, 1, 1, "us\"er", "ts", START, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
