package io.keyflow.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invalid UTF-8 anywhere in a body is a 400 naming where it is, and nothing of the body is kept. */
class EventParserUtf8Test {

  private final EventParser parser = new EventParser(EventParserTest.SALES, 1000, 1000);

  /** A valid first line, then {@code bad} inside the key string of the second. */
  private static byte[] ndjsonWithBadKey(int... bad) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes("{\"user\":\"ok\",\"ts\":1,\"amount\":1}\n{\"user\":\"ab".getBytes(StandardCharsets.UTF_8));
    for (int b : bad) {
      body.write(b);
    }
    body.writeBytes("\",\"ts\":2,\"amount\":1}\n".getBytes(StandardCharsets.UTF_8));
    return body.toByteArray();
  }

  @Test
  void aBadContinuationByteInAKeyIsRefusedAtItsLineAndByte() {
    EventParser.Parsed parsed = parser.parseNdjson(ndjsonWithBadKey(0xC3, 0x28), StandardCharsets.UTF_8);

    assertThat(parsed.ok()).isFalse();
    assertThat(parsed.overLimit()).isFalse();
    assertThat(parsed.line()).isEqualTo(2);
    assertThat(parsed.error()).isEqualTo("invalid UTF-8 at line 2, byte 12 of the line (byte 43 of the body): 0xC3");
    assertThat(parsed.records()).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "C3 28",        // a lead byte followed by ASCII
      "C0 AF",        // overlong '/' (two bytes), which Jackson decodes as '/'
      "E0 80 AF",     // overlong '/' (three bytes)
      "F0 80 80 AF",  // overlong '/' (four bytes)
      "80",           // a lone continuation byte
      "BF BF",        // continuation bytes only
      "ED A0 80",     // an encoded UTF-16 surrogate
      "F4 90 80 80",  // past U+10FFFF
      "F8 88 80 80 80", // a five-byte form
      "FE", "FF",
      "E2 82"         // truncated before the closing quote
  })
  void eachKindOfMalformedSequenceIsRefused(String hex) {
    int[] bytes = java.util.Arrays.stream(hex.split(" ")).mapToInt(h -> Integer.parseInt(h, 16)).toArray();

    EventParser.Parsed ndjson = parser.parseNdjson(ndjsonWithBadKey(bytes), StandardCharsets.UTF_8);
    EventParser.Parsed array = parser.parseJsonArray(asArray(ndjsonWithBadKey(bytes)), StandardCharsets.UTF_8);

    assertThat(ndjson.error()).startsWith("invalid UTF-8 at line 2, byte 12 of the line");
    assertThat(ndjson.line()).isEqualTo(2);
    assertThat(ndjson.overLimit()).isFalse();
    assertThat(array.error()).startsWith("invalid UTF-8 at line 2, byte 12 of the line");
    assertThat(array.line()).isEqualTo(2);
  }

  @Test
  void invalidUtf8InAFieldThePipelineDoesNotReadIsRefusedToo() {
    byte[] body = "{\"user\":\"a\",\"ts\":1,\"amount\":1,\"note\":\"x?\"}".getBytes(StandardCharsets.UTF_8);
    body[body.length - 3] = (byte) 0x80;

    assertThat(parser.parseNdjson(body, StandardCharsets.UTF_8).error()).startsWith("invalid UTF-8 at line 1");
  }

  @Test
  void invalidUtf8IsReportedInLineOrderAfterEarlierProblems() {
    byte[] body = ndjsonWithBadKey(0x80);
    byte[] withBadFirstLine = new String(body, StandardCharsets.ISO_8859_1).replaceFirst("\"user\":\"ok\",", "")
        .getBytes(StandardCharsets.ISO_8859_1);

    EventParser.Parsed parsed = parser.parseNdjson(withBadFirstLine, StandardCharsets.UTF_8);

    assertThat(parsed.error()).isEqualTo("missing key field 'user'");
    assertThat(parsed.line()).isEqualTo(1);
  }

  @Test
  void validMultiByteTextIsKeptExactly() {
    String key = "caf\u00e9-\u20ac-\uD83D\uDE00-\u4e2d";
    byte[] body = ("{\"user\":\"" + key + "\",\"ts\":1,\"amount\":1}").getBytes(StandardCharsets.UTF_8);

    assertThat(parser.parseNdjson(body, StandardCharsets.UTF_8).records().get(0).key()).isEqualTo(key);
  }

  /** The NDJSON body as a JSON array, keeping its lines. */
  private static byte[] asArray(byte[] ndjson) {
    String latin1 = new String(ndjson, StandardCharsets.ISO_8859_1).strip();
    return ("[" + latin1.replace("}\n", "},\n") + "]").getBytes(StandardCharsets.ISO_8859_1);
  }
}
