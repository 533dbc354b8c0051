package io.keyflow.node.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.keyflow.pipeline.Event;
import io.keyflow.pipeline.Record;
import io.keyflow.pipeline.engine.PipelineDefinition;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates a whole ingest body before anything is applied: NDJSON (one object per
 * line) or a JSON array of objects. Every event needs the pipeline's key field (a string, or an
 * integer read as its decimal text), its time field (an integer, epoch millis) and every numeric
 * field its aggregations read. The first problem rejects the whole request; a body that is not
 * valid in its charset (UTF-8 unless declared) is such a problem.
 *
 * <p>Events are read with Jackson's streaming parser from the body's bytes, one parser per NDJSON
 * line (lines are split on {@code \n} bytes, which never occur inside a multi-byte sequence), into
 * the fields a record needs; no tree and no String of the body or of a line is made.
 */
public final class EventParser {

  /**
   * The outcome: either records or the first error with its 1-based line (or array position);
   * {@code overLimit} when the error is a request limit (413) rather than bad input (400).
   */
  public record Parsed(List<Record> records, String error, int line, boolean overLimit) {
    public boolean ok() {
      return error == null;
    }

    static Parsed error(String error, int line) {
      return new Parsed(List.of(), error, line, false);
    }

    static Parsed overLimit(String error, int line) {
      return new Parsed(List.of(), error, line, true);
    }
  }

  private static final JsonFactory JSON = JsonFactory.builder().build();

  private final PipelineDefinition pipeline;
  private final int maxEvents;
  private final long maxLineLength;
  private final JsonEventReader reader;

  /**
   * @param maxEvents     more events in one body are refused ({@code keyflow.http.max-events-per-request})
   * @param maxLineLength a longer NDJSON line, in characters, is refused ({@code keyflow.http.max-line-length})
   */
  public EventParser(PipelineDefinition pipeline, int maxEvents, long maxLineLength) {
    this.pipeline = pipeline;
    this.maxEvents = maxEvents;
    this.maxLineLength = maxLineLength;
    this.reader = new JsonEventReader(pipeline.keepsAllFields() ? null : recordFields(pipeline));
  }

  /** The only fields {@link PipelineDefinition#recordOf} reads when the pipeline has no user functions. */
  private static Set<String> recordFields(PipelineDefinition pipeline) {
    Set<String> fields = new HashSet<>(pipeline.numericFields());
    fields.add(pipeline.keyField());
    fields.add(pipeline.timeField());
    return Set.copyOf(fields);
  }

  public Parsed parseNdjson(byte[] body, Charset charset) {
    byte[] utf8;
    try {
      utf8 = Utf8Body.asUtf8(body, charset);
    } catch (Utf8Body.InvalidText e) {
      return Parsed.error(e.getMessage(), e.where().line());
    }
    Utf8Body.Malformed malformed = Utf8Body.firstMalformed(utf8);
    int badByte = malformed == null ? Integer.MAX_VALUE : malformed.offset();
    List<Record> records = new ArrayList<>();
    int line = 0;
    for (int start = 0; start <= utf8.length; ) {
      line++;
      int end = start;
      while (end < utf8.length && utf8[end] != '\n') {
        end++;
      }
      int next = end + 1;
      if (end - start > maxLineLength && Utf8Body.charCount(utf8, start, end) > maxLineLength) {
        return Parsed.overLimit("line longer than " + maxLineLength + " characters (keyflow.http.max-line-length)", line);
      }
      if (badByte < next) {
        return Parsed.error(malformed.message(), line);
      }
      int from = Utf8Body.stripStart(utf8, start, end);
      int to = Utf8Body.stripEnd(utf8, from, end);
      start = next;
      if (from == to) {
        continue;
      }
      if (records.size() == maxEvents) {
        return tooManyEvents(line);
      }
      String problem = readLine(utf8, from, to, records);
      if (problem != null) {
        return Parsed.error(problem, line);
      }
    }
    if (records.isEmpty()) {
      return Parsed.error("no events in the body", 1);
    }
    return new Parsed(records, null, 0, false);
  }

  /** Adds the record of the one JSON object in {@code body[from, to)}; returns the problem, or null. */
  private String readLine(byte[] body, int from, int to, List<Record> records) {
    String unreadable = unreadableStart(body, from, to);
    if (unreadable != null) {
      return unreadable;
    }
    try (JsonParser parser = JSON.createParser(body, from, to - from)) {
      JsonToken first = parser.nextToken();
      Event event = null;
      if (first == JsonToken.START_OBJECT) {
        event = new Event(reader.readEvent(parser));
      } else {
        parser.skipChildren();
      }
      JsonToken trailing = parser.nextToken();
      if (trailing != null) {
        return "malformed JSON: more than one JSON value on the line";
      }
      return event == null ? "an event must be a JSON object" : addRecord(event, records);
    } catch (JsonProcessingException e) {
      return "malformed JSON: " + e.getOriginalMessage();
    } catch (IOException e) {
      return "malformed JSON: " + e.getMessage();
    }
  }

  private Parsed tooManyEvents(int line) {
    return Parsed.overLimit("more than " + maxEvents + " events in one request (keyflow.http.max-events-per-request)", line);
  }

  /**
   * Parses the whole array before answering, so the order of problems is: malformed JSON anywhere,
   * then not an array, then too many events, then the first bad event.
   */
  public Parsed parseJsonArray(byte[] body, Charset charset) {
    byte[] utf8;
    try {
      utf8 = Utf8Body.asUtf8(body, charset);
    } catch (Utf8Body.InvalidText e) {
      return Parsed.error(e.getMessage(), e.where().line());
    }
    Utf8Body.Malformed malformed = Utf8Body.firstMalformed(utf8);
    if (malformed != null) {
      return Parsed.error(malformed.message(), malformed.line());
    }
    String unreadable = unreadableStart(utf8, 0, utf8.length);
    if (unreadable != null) {
      return Parsed.error(unreadable, 1);
    }
    List<Record> records = new ArrayList<>();
    boolean array = true;
    String problem = null;
    int problemAt = 0;
    int count = 0;
    try (JsonParser parser = JSON.createParser(utf8)) {
      JsonToken root = parser.nextToken();
      if (root == null) {
        return Parsed.error("malformed JSON: no content (an empty body)", 1);
      }
      if (root != JsonToken.START_ARRAY) {
        parser.skipChildren();
        array = false;
      } else {
        JsonToken item;
        while ((item = parser.nextToken()) != JsonToken.END_ARRAY) {
          count++;
          if (problem != null || count > maxEvents || item != JsonToken.START_OBJECT) {
            parser.skipChildren();
            if (problem == null && count <= maxEvents) {
              problem = "an event must be a JSON object";
              problemAt = count;
            }
            continue;
          }
          problem = addRecord(new Event(reader.readEvent(parser)), records);
          problemAt = count;
        }
      }
      JsonToken trailing = parser.nextToken();
      if (trailing != null) {
        return Parsed.error("malformed JSON: more than one JSON value in the body",
            Math.max(1, parser.currentTokenLocation().getLineNr()));
      }
    } catch (JsonProcessingException e) {
      int line = e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
      return Parsed.error("malformed JSON: " + e.getOriginalMessage(), line);
    } catch (IOException e) {
      return Parsed.error("malformed JSON: " + e.getMessage(), 1);
    }
    if (!array) {
      return Parsed.error("application/json body must be an array of event objects", 1);
    }
    if (count > maxEvents) {
      return tooManyEvents(maxEvents + 1);
    }
    if (problem != null) {
      return Parsed.error(problem + " (event " + problemAt + " of the array)", problemAt);
    }
    if (records.isEmpty()) {
      return Parsed.error("no events in the body", 1);
    }
    return new Parsed(records, null, 0, false);
  }

  /**
   * Why Jackson must not be given {@code body[from, to)}, or null. Jackson guesses a byte input's
   * encoding from its first bytes; a NUL among them would make it read UTF-16 or UTF-32, and it
   * would silently skip a UTF-8 byte order mark, which the body's charset does not allow.
   */
  private static String unreadableStart(byte[] body, int from, int to) {
    if (to - from >= 3 && (body[from] & 0xFF) == 0xEF && (body[from + 1] & 0xFF) == 0xBB && (body[from + 2] & 0xFF) == 0xBF) {
      return "malformed JSON: unexpected byte order mark (U+FEFF)";
    }
    for (int i = from; i < Math.min(to, from + 4); i++) {
      if (body[i] == 0) {
        return "malformed JSON: NUL character (U+0000), which JSON does not allow unescaped";
      }
    }
    return null;
  }

  /**
   * Validates one event and adds its record; returns the problem, or null when it is fine. The rules
   * (key, time, numeric fields; user key selectors and timestamp assigners) are the pipeline's own,
   * in {@link PipelineDefinition#recordOf}, shared with the test harness.
   */
  private String addRecord(Event event, List<Record> records) {
    try {
      records.add(pipeline.recordOf(event));
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
