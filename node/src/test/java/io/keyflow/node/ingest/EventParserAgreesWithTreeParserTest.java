package io.keyflow.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The streaming parser keeps the former tree parser's contract ({@link TreeEventParser}): on valid
 * UTF-8 both accept the same bodies with the same records, and refuse the same bodies at the same
 * line with the same kind of answer (the wording of Jackson's syntax errors may differ).
 */
class EventParserAgreesWithTreeParserTest {

  static Stream<String> ndjsonBodies() {
    return Stream.of(
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n{\"user\":\"b\",\"ts\":2,\"amount\":2.5}\n",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\r\n\r\n {\"user\":\"b\",\"ts\":2,\"amount\":-0.0} \r\n",
        "\u000B\u001F{\"user\":\"a\",\"ts\":1,\"amount\":1}\u2003\u3000\n\u00a0",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\u00a0",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1,\"amount\":1e400}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":-1e-400}",
        "{\"user\":7,\"ts\":1,\"amount\":100.000}",
        "{\"user\":-0,\"ts\":-0,\"amount\":0}",
        "{\"user\":\"a\",\"ts\":9223372036854775807,\"amount\":9223372036854775808}",
        "{\"user\":\"a\",\"ts\":9223372036854775808,\"amount\":1}",
        "{\"user\":true,\"ts\":1,\"amount\":1}",
        "{\"user\":null,\"ts\":1,\"amount\":1}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":null}",
        "{\"user\":\"a\",\"ts\":\"1\",\"amount\":1}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":[1]}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1,\"x\":{\"y\":[1,{\"z\":null}]}}",
        "{\"user\":\"a\\u00e9\\n\",\"ts\":1,\"amount\":1}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n{\"user\":\"a\",\"ts\":1,\"amount\":1,}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":01}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":NaN}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}x",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1} {}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n5 6",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\nnull",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n[1,2",
        "{\"user\":\"a\"\n,\"ts\":1,\"amount\":1}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\r{\"user\":\"b\",\"ts\":2,\"amount\":1}",
        "{'user':'a','ts':1,'amount':1}",
        "\uFEFF{\"user\":\"a\",\"ts\":1,\"amount\":1}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n\uFEFF{\"user\":\"a\",\"ts\":1,\"amount\":1}",
        "",
        "\n\n",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n" + "{\"user\":\"" + "x".repeat(120) + "\",\"ts\":1,\"amount\":1}",
        "{\"user\":\"" + "\u00e9".repeat(80) + "\",\"ts\":1,\"amount\":1}",
        "{\"user\":\"" + "\uD83D\uDE00".repeat(45) + "\",\"ts\":1,\"amount\":1}",
        " ".repeat(150) + "\n{\"user\":\"a\",\"ts\":1,\"amount\":1}",
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n".repeat(6),
        "{\"user\":\"a\",\"ts\":1,\"amount\":1}\n".repeat(5) + "{bad");
  }

  static Stream<String> arrayBodies() {
    return Stream.concat(ndjsonBodies().map(b -> "[" + String.join(",", b.split("\n")) + "]"), Stream.of(
        "[]", "", "  ", "null", "{}", "5", "[1]", "[{\"user\":\"a\",\"ts\":1,\"amount\":1}] []",
        "[{\"user\":\"a\",\"ts\":1,\"amount\":1}]]", "[{\"ts\":1},\n{\"user\":\"b\",\"ts\":2,\"amount\":1},\n{bad}]",
        "[{\"ts\":1},1,2,3,4,5,6]", "[{\"user\":\"a\",\"ts\":1,\"amount\":1}," + "{},".repeat(6) + "{}]",
        "{\"a\":[1,2}", "\n\n[\n{\"user\":\"a\",\"ts\":1,\"amount\":1}\n,\n"));
  }

  @ParameterizedTest
  @MethodSource("ndjsonBodies")
  void ndjson(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    assertAgree(new TreeEventParser(EventParserTest.SALES, 5, 100).parseNdjson(bytes, StandardCharsets.UTF_8),
        new EventParser(EventParserTest.SALES, 5, 100).parseNdjson(bytes, StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @MethodSource("arrayBodies")
  void jsonArray(String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    assertAgree(new TreeEventParser(EventParserTest.SALES, 5, 100).parseJsonArray(bytes, StandardCharsets.UTF_8),
        new EventParser(EventParserTest.SALES, 5, 100).parseJsonArray(bytes, StandardCharsets.UTF_8));
  }

  private static void assertAgree(TreeEventParser.Parsed before, EventParser.Parsed now) {
    assertThat(now.ok()).as("ok; before: %s, now: %s", before.error(), now.error()).isEqualTo(before.ok());
    assertThat(now.records()).isEqualTo(before.records());
    assertThat(now.overLimit()).as("overLimit").isEqualTo(before.overLimit());
    assertThat(now.line()).as("line; before: %s, now: %s", before.error(), now.error()).isEqualTo(before.line());
    if (before.error() != null && before.error().startsWith("malformed JSON")) {
      assertThat(now.error()).startsWith("malformed JSON");
    } else {
      assertThat(now.error()).isEqualTo(before.error());
    }
  }

  private static final ObjectMapper TREE = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final JsonFactory JSON = new JsonFactory();

  @Test
  void everyFieldValueReadsAsTheTreeReadIt() throws Exception {
    Random random = new Random(17);
    JsonEventReader all = new JsonEventReader(null);
    for (int i = 0; i < 5_000; i++) {
      String json = randomObject(random, 0);
      Object before = TreeEventParser.toValue(TREE.readTree(json));
      try (JsonParser parser = JSON.createParser(json.getBytes(StandardCharsets.UTF_8))) {
        assertThat(parser.nextToken()).isEqualTo(JsonToken.START_OBJECT);
        assertThat((Object) all.readEvent(parser)).as(json).isEqualTo(before);
      }
    }
  }

  private static String randomObject(Random random, int depth) {
    List<String> fields = new ArrayList<>();
    for (int i = random.nextInt(5); i >= 0; i--) {
      fields.add("\"f" + random.nextInt(4) + "\":" + randomValue(random, depth));
    }
    return "{" + String.join(",", fields) + "}";
  }

  private static String randomValue(Random random, int depth) {
    return switch (random.nextInt(depth > 2 ? 7 : 9)) {
      case 0 -> Long.toString(random.nextLong() >> random.nextInt(64));
      case 1 -> Double.toString(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20) * (random.nextBoolean() ? 1 : -1));
      case 2 -> (random.nextBoolean() ? "-" : "") + random.nextInt(1000) + "." + random.nextInt(1000) + "e" + (random.nextInt(700) - 350);
      case 3 -> random.nextBoolean() ? "-0.0" : "0e7";
      case 4 -> "\"s" + random.nextInt(100) + "\\u00e9\\\"\"";
      case 5 -> random.nextBoolean() ? "true" : random.nextBoolean() ? "false" : "null";
      case 6 -> "123456789012345678901234567890";
      case 7 -> randomObject(random, depth + 1);
      default -> "[" + randomValue(random, depth + 1) + "," + randomValue(random, depth + 1) + "]";
    };
  }
}
