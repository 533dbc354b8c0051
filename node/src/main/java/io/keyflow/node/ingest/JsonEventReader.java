package io.keyflow.node.ingest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one JSON event from a streaming parser straight into the neutral tree an {@link
 * io.keyflow.pipeline.Event} holds: String, Long, Double, Boolean, List, Map or null. The values
 * are those the former tree-based reading produced (Jackson's tree with big decimals for floats):
 * a number that fits neither a long nor a finite double is kept as its text, so an event is
 * refused for it only where a number is needed.
 */
public final class JsonEventReader {

  private final Set<String> wanted;

  /** @param wanted the top-level fields to keep (others are skipped, still checked as JSON); null: all */
  JsonEventReader(Set<String> wanted) {
    this.wanted = wanted;
  }

  /** The fields of the object whose START_OBJECT is the parser's current token; leaves it on END_OBJECT. */
  Map<String, Object> readEvent(JsonParser parser) throws IOException {
    Map<String, Object> fields = new LinkedHashMap<>();
    String name;
    while ((name = parser.nextFieldName()) != null) {
      JsonToken value = parser.nextToken();
      if (wanted != null && !wanted.contains(name)) {
        parser.skipChildren();
      } else {
        fields.put(name, value(parser, value));
      }
    }
    return fields;
  }

  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
        return parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? parser.getBigIntegerValue().toString() : (Object) parser.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return floating(parser);
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case START_ARRAY: {
        List<Object> items = new ArrayList<>();
        JsonToken item;
        while ((item = parser.nextToken()) != JsonToken.END_ARRAY) {
          items.add(value(parser, item));
        }
        return items;
      }
      case START_OBJECT: {
        Map<String, Object> fields = new LinkedHashMap<>();
        String name;
        while ((name = parser.nextFieldName()) != null) {
          fields.put(name, value(parser, parser.nextToken()));
        }
        return fields;
      }
      default:
        return null;
    }
  }

  /**
   * A JSON float as a double, as the big decimal it denotes would convert: a decimal zero is
   * {@code 0.0} whatever its sign ({@code -0.0} has no big-decimal form), an infinite one is kept
   * as the normalized decimal's text ({@code 1.0e400} is {@code "1E+400"}).
   */
  private static Object floating(JsonParser parser) throws IOException {
    double d = parser.getDoubleValue();
    if (d == 0.0) {
      return parser.getDecimalValue().doubleValue();
    }
    if (Double.isInfinite(d)) {
      BigDecimal exact = parser.getDecimalValue();
      return exact.stripTrailingZeros().toString();
    }
    return d;
  }
}
