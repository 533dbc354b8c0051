package io.keyflow.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The streaming parser's outcomes: valid bodies, each kind of bad input and its line, large bodies. */
class EventParserTest {

  static final PipelineDefinition SALES = PipelineConfig.parseAll(ConfigFactory.parseString("""
      keyflow.pipelines.sales {
        key-field = "user"
        window { type = tumbling, size = 10s }
        aggregations = [ { name = n, fn = count }, { name = total, fn = sum, field = amount } ]
      }
      """), "keyflow.pipelines").get("sales");

  private final EventParser parser = new EventParser(SALES, 1000, 1000);

  private EventParser.Parsed ndjson(String body) {
    return parser.parseNdjson(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  private EventParser.Parsed array(String body) {
    return parser.parseJsonArray(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  @Test
  void ndjsonEventsBecomeRecordsWithKeyTimeAndTheFieldsAggregationsRead() {
    EventParser.Parsed parsed = ndjson("""
        {"user":"alice","ts":1767225600000,"amount":5,"page":"/home","tags":["a",{"b":1}]}
        {"user":42,"ts":2,"amount":2.5}
        """);

    assertThat(parsed.ok()).isTrue();
    assertThat(parsed.records()).containsExactly(
        new Record("alice", 1767225600000L, Map.of("amount", 5L)),
        new Record("42", 2, Map.of("amount", 2.5)));
  }

  @Test
  void aJsonArrayOfEventsBecomesRecordsInOrder() {
    EventParser.Parsed parsed = array(" [ {\"user\":\"a\",\"ts\":1,\"amount\":1},\n {\"amount\":-3e2,\"ts\":2,\"user\":\"b\"} ] \n");

    assertThat(parsed.ok()).isTrue();
    assertThat(parsed.records()).containsExactly(
        new Record("a", 1, Map.of("amount", 1L)), new Record("b", 2, Map.of("amount", -300.0)));
  }

  @Test
  void crlfLinesSurroundingWhitespaceAndDuplicateFieldsAreReadAsBefore() {
    EventParser.Parsed parsed = ndjson("  {\"user\":\"a\",\"ts\":1,\"amount\":1,\"amount\":7}\r\n\t\f{\"user\":\"b\",\"ts\":2,\"amount\":2}\u3000\r\n");

    assertThat(parsed.ok()).as(parsed.error()).isTrue();
    assertThat(parsed.records()).extracting(Record::key, r -> r.field("amount")).containsExactly(
        org.assertj.core.groups.Tuple.tuple("a", 7L), org.assertj.core.groups.Tuple.tuple("b", 2L));
  }

  @Test
  void aMissingKeyIsRefusedWithItsLine() {
    EventParser.Parsed parsed = ndjson("{\"user\":\"a\",\"ts\":1,\"amount\":1}\n{\"ts\":2,\"amount\":1}\n");

    assertThat(parsed.ok()).isFalse();
    assertThat(parsed.overLimit()).isFalse();
    assertThat(parsed.error()).isEqualTo("missing key field 'user'");
    assertThat(parsed.line()).isEqualTo(2);
    assertThat(parsed.records()).isEmpty();
  }

  @Test
  void eachInvalidEventIsRefusedWithThePipelinesMessage() {
    assertThat(ndjson("{\"user\":\"a\",\"amount\":1}").error()).isEqualTo("missing time field 'ts'");
    assertThat(ndjson("{\"user\":\"a\",\"ts\":1.5,\"amount\":1}").error())
        .isEqualTo("time field 'ts' must be an integer (epoch millis)");
    assertThat(ndjson("{\"user\":\"a\",\"ts\":1}").error()).isEqualTo("missing numeric field 'amount'");
    assertThat(ndjson("{\"user\":\"a\",\"ts\":1,\"amount\":\"5\"}").error()).isEqualTo("field 'amount' must be a number");
    assertThat(ndjson("{\"user\":\"a\",\"ts\":1,\"amount\":1e400}").error()).isEqualTo("field 'amount' must be a number");
    assertThat(ndjson("{\"user\":{\"id\":1},\"ts\":1,\"amount\":1}").error())
        .isEqualTo("key field 'user' must be a string or an integer");
    assertThat(ndjson("{\"user\":\"\",\"ts\":1,\"amount\":1}").error()).isEqualTo("key field 'user' must not be empty");
  }

  @Test
  void anIntegerPastALongIsKeptAsItsText() {
    EventParser.Parsed parsed = ndjson("{\"user\":99999999999999999999,\"ts\":1,\"amount\":1}");

    assertThat(parsed.records()).extracting(Record::key).containsExactly("99999999999999999999");
  }

  @Test
  void malformedJsonIsRefusedWithItsLine() {
    EventParser.Parsed parsed = ndjson("{\"user\":\"a\",\"ts\":1,\"amount\":1}\n\n{\"user\":\"b\",\"ts\":2,\n\"amount\":1}\n");

    assertThat(parsed.error()).startsWith("malformed JSON: Unexpected end-of-input");
    assertThat(parsed.line()).isEqualTo(3);
    assertThat(parsed.overLimit()).isFalse();
  }

  @Test
  void twoValuesOnOneLineAreMalformed() {
    EventParser.Parsed parsed = ndjson("{\"user\":\"a\",\"ts\":1,\"amount\":1} {\"user\":\"b\",\"ts\":2,\"amount\":1}");

    assertThat(parsed.error()).isEqualTo("malformed JSON: more than one JSON value on the line");
    assertThat(parsed.line()).isEqualTo(1);
  }

  @Test
  void aLineThatIsNotAnObjectIsRefused() {
    for (String line : new String[] {"null", "5", "\"text\"", "[{\"user\":\"a\",\"ts\":1,\"amount\":1}]"}) {
      EventParser.Parsed parsed = ndjson("{\"user\":\"a\",\"ts\":1,\"amount\":1}\n" + line);
      assertThat(parsed.error()).as(line).isEqualTo("an event must be a JSON object");
      assertThat(parsed.line()).isEqualTo(2);
    }
  }

  @Test
  void aBodyWithoutEventsIsRefused() {
    assertThat(ndjson("").error()).isEqualTo("no events in the body");
    assertThat(ndjson("\n \r\n\t\n").error()).isEqualTo("no events in the body");
    assertThat(array("[]").error()).isEqualTo("no events in the body");
    assertThat(array("").error()).startsWith("malformed JSON");
  }

  @Test
  void anApplicationJsonBodyMustBeAnArrayOfObjects() {
    assertThat(array("{\"user\":\"a\",\"ts\":1,\"amount\":1}").error())
        .isEqualTo("application/json body must be an array of event objects");
    EventParser.Parsed parsed = array("[{\"user\":\"a\",\"ts\":1,\"amount\":1}, 7]");
    assertThat(parsed.error()).isEqualTo("an event must be a JSON object (event 2 of the array)");
    assertThat(parsed.line()).isEqualTo(2);
  }

  @Test
  void aBadEventInAnArrayIsRefusedWithItsPosition() {
    EventParser.Parsed parsed = array("[{\"user\":\"a\",\"ts\":1,\"amount\":1},{\"user\":\"b\",\"ts\":2,\"amount\":1},{\"user\":\"c\",\"ts\":3}]");

    assertThat(parsed.error()).isEqualTo("missing numeric field 'amount' (event 3 of the array)");
    assertThat(parsed.line()).isEqualTo(3);
    assertThat(parsed.records()).isEmpty();
  }

  @Test
  void inAnArrayMalformedJsonAnywhereWinsOverAnEarlierBadEvent() {
    EventParser.Parsed parsed = array("[{\"ts\":1},\n{\"user\":\"b\",\"ts\":2,\"amount\":1},\n{\"user\":\"c\" \"ts\":3}]");

    assertThat(parsed.error()).startsWith("malformed JSON: Unexpected character");
    assertThat(parsed.line()).isEqualTo(3);
  }

  @Test
  void contentAfterTheArrayIsMalformed() {
    EventParser.Parsed parsed = array("[{\"user\":\"a\",\"ts\":1,\"amount\":1}]\n[]");

    assertThat(parsed.error()).isEqualTo("malformed JSON: more than one JSON value in the body");
    assertThat(parsed.line()).isEqualTo(2);
  }

  @Test
  void aByteOrderMarkOrANulCharacterIsRefusedRatherThanGuessedAround() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
    byte[] nul = {'{', 0, '}', '\n'};

    assertThat(parser.parseNdjson(bom, StandardCharsets.UTF_8).error()).contains("byte order mark");
    assertThat(parser.parseJsonArray(bom, StandardCharsets.UTF_8).error()).contains("byte order mark");
    assertThat(parser.parseNdjson(nul, StandardCharsets.UTF_8).error()).contains("NUL character");
    assertThat(parser.parseJsonArray(nul, StandardCharsets.UTF_8).error()).contains("NUL character");
  }

  @Test
  void aDeclaredLegacyCharsetIsDecodedStrictly() {
    Charset latin1 = StandardCharsets.ISO_8859_1;
    byte[] body = "{\"user\":\"Jos\u00e9\",\"ts\":1,\"amount\":1}".getBytes(latin1);

    EventParser.Parsed parsed = parser.parseNdjson(body, latin1);
    assertThat(parsed.records()).extracting(Record::key).containsExactly("Jos\u00e9");

    byte[] utf16 = "[{\"user\":\"\u00e9t\u00e9\",\"ts\":1,\"amount\":1}]".getBytes(StandardCharsets.UTF_16);
    assertThat(parser.parseJsonArray(utf16, StandardCharsets.UTF_16).records()).extracting(Record::key).containsExactly("\u00e9t\u00e9");

    byte[] notAscii = "{\"user\":\"Jos\u00e9\",\"ts\":1,\"amount\":1}".getBytes(latin1);
    EventParser.Parsed refused = parser.parseNdjson(notAscii, StandardCharsets.US_ASCII);
    assertThat(refused.error()).startsWith("invalid US-ASCII at byte 12 (line 1)");
  }

  @Test
  void aLargeBodyIsReadWhole() {
    String body = IntStream.range(0, 100_000)
        .mapToObj(i -> "{\"user\":\"user-" + (i % 977) + "\",\"ts\":" + (1767225600000L + i) + ",\"amount\":" + (i % 10) + ".25,\"note\":\"" + "n".repeat(i % 50) + "\"}")
        .collect(Collectors.joining("\n"));
    EventParser big = new EventParser(SALES, 100_000, 1000);

    EventParser.Parsed parsed = big.parseNdjson(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    EventParser.Parsed asArray = big.parseJsonArray(("[" + body.replace("\n", ",") + "]").getBytes(StandardCharsets.UTF_8),
        StandardCharsets.UTF_8);

    assertThat(parsed.ok()).isTrue();
    assertThat(parsed.records()).hasSize(100_000);
    assertThat(parsed.records().get(99_999)).isEqualTo(new Record("user-" + (99_999 % 977), 1767225699999L, Map.of("amount", 9.25)));
    assertThat(asArray.records()).isEqualTo(parsed.records());
  }

  @Test
  void aLineIsMeasuredInCharactersNotBytes() {
    String key = "\u00e9".repeat(60) + "\uD83D\uDE00";
    String line = "{\"user\":\"" + key + "\",\"ts\":1,\"amount\":1}";
    int chars = line.length();

    assertThat(new EventParser(SALES, 10, chars).parseNdjson(line.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).ok()).isTrue();
    EventParser.Parsed tooLong = new EventParser(SALES, 10, chars - 1).parseNdjson(line.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    assertThat(tooLong.overLimit()).isTrue();
    assertThat(tooLong.line()).isEqualTo(1);
  }
}
