package io.keyflow.node;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A brute-force model of a keyed tumbling-window count/sum under Flink's rules, written from the
 * rules below without importing anything from Keyflow's pipeline module: per key group,
 * watermark = max ts − bound − 1, advanced after each request's share of that group; a record is
 * late (dropped) when its window's end − 1 ≤ the watermark it meets. Key groups use an independent
 * murmur3 (Guava).
 */
final class TumblingWindowModel {

  record Event(String key, long ts, long amount) {}

  private final long size;
  private final long bound;
  private final int keyGroups;
  private final Map<Integer, Long> maxTs = new HashMap<>();
  private final Map<Integer, Long> watermark = new HashMap<>();
  /** key → window start → {count, sum}; sorted like the API's results: key, then window start. */
  final TreeMap<String, TreeMap<Long, long[]>> windows = new TreeMap<>();
  long late;

  TumblingWindowModel(long size, long bound, int keyGroups) {
    this.size = size;
    this.bound = bound;
    this.keyGroups = keyGroups;
  }

  int keyGroupOf(String key) {
    int hash = Hashing.murmur3_32_fixed().hashString(key, StandardCharsets.UTF_8).asInt();
    return (int) (Integer.toUnsignedLong(hash) % keyGroups);
  }

  /** One acknowledged request, in the order the node received it. */
  void apply(List<Event> request) {
    Map<Integer, List<Event>> byGroup = new LinkedHashMap<>();
    for (Event e : request) {
      byGroup.computeIfAbsent(keyGroupOf(e.key()), kg -> new ArrayList<>()).add(e);
    }
    byGroup.forEach((kg, events) -> {
      long wm = watermark.getOrDefault(kg, Long.MIN_VALUE);
      long max = maxTs.getOrDefault(kg, Long.MIN_VALUE);
      for (Event e : events) {
        long start = e.ts() - Math.floorMod(e.ts(), size);
        max = Math.max(max, e.ts());
        if (start + size - 1 <= wm) {
          late++;
          continue;
        }
        long[] agg = windows.computeIfAbsent(e.key(), k -> new TreeMap<>()).computeIfAbsent(start, k -> new long[2]);
        agg[0]++;
        agg[1] += e.amount();
      }
      maxTs.put(kg, max);
      watermark.put(kg, Math.max(wm, max - bound - 1));
    });
  }

  /** The expected results as the API renders them, once every window has fired. */
  String expectedResultsJson(String countName, String sumName) {
    StringBuilder json = new StringBuilder("[");
    windows.forEach((key, byStart) -> byStart.forEach((start, agg) -> {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append("{\"key\":").append(HttpJson.MAPPER.valueToTree(key).toString())
          .append(",\"window_start\":").append(start)
          .append(",\"window_end\":").append(start + size)
          .append(",\"values\":{\"").append(countName).append("\":").append(agg[0])
          .append(",\"").append(sumName).append("\":").append(agg[1]).append("}}");
    }));
    return json.append(']').toString();
  }
}

