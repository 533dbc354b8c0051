package io.keyflow.pipeline;

import java.util.Map;

/**
 * One input event before it is keyed: the JSON object a client posted. Key selectors and timestamp
 * assigners read it; {@link #ts()} is the conventional {@code ts} field (epoch millis).
 */
public record Event(Map<String, Object> fields) implements Fields {

  public Event {
    fields = Record.canonicalFields(fields);
  }

  /** The integral field {@code ts}, the default event time. */
  public long ts() {
    return longValue("ts");
  }
}
