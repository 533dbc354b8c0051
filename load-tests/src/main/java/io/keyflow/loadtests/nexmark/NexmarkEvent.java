package io.keyflow.loadtests.nexmark;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One generated event: its number in the stream and its JSON fields — always {@code type}
 * ({@code person}, {@code auction} or {@code bid}) and {@code ts}, plus per type
 * person {@code id, name, city, state}; auction {@code id, seller, category, initialBid, expires};
 * bid {@code auction, bidder, price}. Ids, prices and times are longs.
 */
public record NexmarkEvent(long number, Map<String, Object> fields) {

  public static final String PERSON = "person";
  public static final String AUCTION = "auction";
  public static final String BID = "bid";

  public NexmarkEvent {
    // Insertion order kept: the JSON text of an event must be the same on every run.
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public String type() {
    return (String) fields.get("type");
  }

  public long ts() {
    return longField("ts");
  }

  public long longField(String name) {
    Object v = fields.get(name);
    if (!(v instanceof Long l)) {
      throw new IllegalArgumentException("event " + number + " has no long field '" + name + "'");
    }
    return l;
  }

  public String stringField(String name) {
    return (String) fields.get(name);
  }
}
