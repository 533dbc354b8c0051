package io.keyflow.node.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.keyflow.pipeline.Event;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's former ingest parser (text, a String per line, a Jackson tree, then maps), kept in test
 * scope as the reference {@link EventParser} is compared with: same outcomes, and for the
 * benchmark, its cost. Unlike {@link EventParser} it silently replaces invalid UTF-8.
 *
 * <p>Parses and validates a whole ingest body before anything is applied: NDJSON (one object per
 * line) or a JSON array of objects. Every event needs the pipeline's key field (a string, or an
 * integer read as its decimal text), its time field (an integer, epoch millis) and every numeric
 * field its aggregations read. The first problem rejects the whole request.
 */
final class TreeEventParser {

  /**
   * The outcome: either records or the first error with its 1-based line (or array position);
   * {@code overLimit} when the error is a request limit (413) rather than bad input (400).
   */
  record Parsed(List<Record> records, String error, int line, boolean overLimit) {
    boolean ok() {
      return error == null;
    }

    static Parsed error(String error, int line) {
      return new Parsed(List.of(), error, line, false);
    }

    static Parsed overLimit(String error, int line) {
      return new Parsed(List.of(), error, line, true);
    }
  }

  private static final ObjectReader READER = new ObjectMapper()
      .readerFor(JsonNode.class)
      .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final PipelineDefinition pipeline;
  private final int maxEvents;
  private final long maxLineLength;

  /**
   * @param maxEvents     more events in one body are refused ({@code keyflow.http.max-events-per-request})
   * @param maxLineLength a longer NDJSON line, in characters, is refused ({@code keyflow.http.max-line-length})
   */
  TreeEventParser(PipelineDefinition pipeline, int maxEvents, long maxLineLength) {
    this.pipeline = pipeline;
    this.maxEvents = maxEvents;
    this.maxLineLength = maxLineLength;
  }

  Parsed parseNdjson(byte[] body, Charset charset) {
    String text = new String(body, charset);
    String[] lines = text.split("\n", -1);
    List<Record> records = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].length() > maxLineLength) {
        return Parsed.overLimit("line longer than " + maxLineLength + " characters (keyflow.http.max-line-length)", i + 1);
      }
      String line = lines[i].strip();
      if (line.isEmpty()) {
        continue;
      }
      if (records.size() == maxEvents) {
        return tooManyEvents(i + 1);
      }
      JsonNode node;
      try {
        node = READER.readValue(line);
      } catch (JsonProcessingException e) {
        return Parsed.error("malformed JSON: " + e.getOriginalMessage(), i + 1);
      }
      String problem = addRecord(node, records);
      if (problem != null) {
        return Parsed.error(problem, i + 1);
      }
    }
    if (records.isEmpty()) {
      return Parsed.error("no events in the body", 1);
    }
    return new Parsed(records, null, 0, false);
  }

  private Parsed tooManyEvents(int line) {
    return Parsed.overLimit("more than " + maxEvents + " events in one request (keyflow.http.max-events-per-request)", line);
  }

  Parsed parseJsonArray(byte[] body, Charset charset) {
    JsonNode root;
    try {
      root = READER.readValue(new String(body, charset));
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
      return Parsed.error("malformed JSON: " + e.getOriginalMessage(), line);
    }
    if (root == null || !root.isArray()) {
      return Parsed.error("application/json body must be an array of event objects", 1);
    }
    if (root.size() > maxEvents) {
      return tooManyEvents(maxEvents + 1);
    }
    List<Record> records = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      String problem = addRecord(root.get(i), records);
      if (problem != null) {
        return Parsed.error(problem + " (event " + (i + 1) + " of the array)", i + 1);
      }
    }
    if (records.isEmpty()) {
      return Parsed.error("no events in the body", 1);
    }
    return new Parsed(records, null, 0, false);
  }

  /**
   * Validates one event and adds its record; returns the problem, or null when it is fine. The rules
   * (key, time, numeric fields; user key selectors and timestamp assigners) are the pipeline's own,
   * in {@link PipelineDefinition#recordOf}, shared with the test harness.
   */
  private String addRecord(JsonNode node, List<Record> records) {
    if (node == null || !node.isObject()) {
      return "an event must be a JSON object";
    }
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> fields = (Map<String, Object>) toValue(node);
      records.add(pipeline.recordOf(new Event(fields)));
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /**
   * A JSON value as the neutral tree records hold: String, Long, Double, Boolean, List, Map or null.
   * A number that fits neither a long nor a finite double is kept as its text, so an event is refused
   * for it only where a number is needed.
   */
  static Object toValue(JsonNode node) {
    if (node.isTextual()) {
      return node.textValue();
    }
    if (node.isIntegralNumber()) {
      return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue().toString();
    }
    if (node.isNumber()) {
      double d = node.doubleValue();
      return Double.isInfinite(d) || Double.isNaN(d) ? node.asText() : (Object) d;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isArray()) {
      List<Object> items = new ArrayList<>(node.size());
      node.forEach(item -> items.add(toValue(item)));
      return items;
    }
    if (node.isObject()) {
      Map<String, Object> fields = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> fields.put(e.getKey(), toValue(e.getValue())));
      return fields;
    }
    return null;
  }
}
