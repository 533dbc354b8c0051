package io.keyflow.node.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.keyflow.pipeline.runner.PipelineConfig;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EventParserLimitsTest {

  private static final PipelineDefinition CLICKS = PipelineConfig.parseAll(ConfigFactory.parseString("""
      keyflow.pipelines.clicks {
        key-field = "user"
        window { type = tumbling, size = 10s }
        aggregations = [ { name = n, fn = count } ]
      }
      """), "keyflow.pipelines").get("clicks");

  private static byte[] ndjson(int events) {
    return IntStream.range(0, events).mapToObj(i -> "{\"user\":\"u" + i + "\",\"ts\":" + i + "}")
        .collect(Collectors.joining("\n")).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void exactlyTheMaximumNumberOfEventsIsAccepted() {
    EventParser.Parsed parsed = new EventParser(CLICKS, 5, 1000).parseNdjson(ndjson(5), StandardCharsets.UTF_8);

    assertThat(parsed.ok()).isTrue();
    assertThat(parsed.records()).hasSize(5);
  }

  @Test
  void oneEventMoreThanTheMaximumIsOverTheLimitAtItsLine() {
    EventParser.Parsed parsed = new EventParser(CLICKS, 5, 1000).parseNdjson(ndjson(6), StandardCharsets.UTF_8);

    assertThat(parsed.ok()).isFalse();
    assertThat(parsed.overLimit()).isTrue();
    assertThat(parsed.line()).isEqualTo(6);
    assertThat(parsed.error()).contains("more than 5 events").contains("keyflow.http.max-events-per-request");
    assertThat(parsed.records()).isEmpty();
  }

  @Test
  void blankLinesDoNotCountAsEvents() {
    byte[] body = "\n{\"user\":\"a\",\"ts\":1}\n\n{\"user\":\"b\",\"ts\":2}\n\n".getBytes(StandardCharsets.UTF_8);

    assertThat(new EventParser(CLICKS, 2, 1000).parseNdjson(body, StandardCharsets.UTF_8).ok()).isTrue();
  }

  @Test
  void aJsonArrayWithTooManyEventsIsOverTheLimit() {
    byte[] body = ("[" + IntStream.range(0, 4).mapToObj(i -> "{\"user\":\"u\",\"ts\":" + i + "}")
        .collect(Collectors.joining(",")) + "]").getBytes(StandardCharsets.UTF_8);

    EventParser.Parsed parsed = new EventParser(CLICKS, 3, 10).parseJsonArray(body, StandardCharsets.UTF_8);

    assertThat(parsed.overLimit()).isTrue();
    assertThat(parsed.error()).contains("more than 3 events");
  }

  @Test
  void anOverLongLineIsOverTheLimitWithItsLineNumberAndNothingIsKept() {
    String longLine = "{\"user\":\"" + "x".repeat(200) + "\",\"ts\":3}";
    byte[] body = ("{\"user\":\"a\",\"ts\":1}\n{\"user\":\"b\",\"ts\":2}\n" + longLine + "\n")
        .getBytes(StandardCharsets.UTF_8);

    EventParser.Parsed parsed = new EventParser(CLICKS, 100, 100).parseNdjson(body, StandardCharsets.UTF_8);

    assertThat(parsed.overLimit()).isTrue();
    assertThat(parsed.line()).isEqualTo(3);
    assertThat(parsed.error()).contains("line longer than 100 characters").contains("keyflow.http.max-line-length");
    assertThat(parsed.records()).isEmpty();
  }

  @Test
  void badInputIsNotALimit() {
    EventParser.Parsed parsed = new EventParser(CLICKS, 100, 100)
        .parseNdjson("{\"ts\":1}".getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);

    assertThat(parsed.ok()).isFalse();
    assertThat(parsed.overLimit()).isFalse();
  }
}
