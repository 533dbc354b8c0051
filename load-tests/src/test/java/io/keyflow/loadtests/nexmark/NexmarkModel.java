package io.keyflow.loadtests.nexmark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The expected answers of the Nexmark queries, computed by brute force over the whole generated event
 * list — sorting and grouping, no Keyflow classes, no event-time machinery — from Nexmark's query
 * definitions as the pipelines document them. Windows are {@code [start, end)} in epoch ms.
 */
public final class NexmarkModel {

  static final long WINDOW_MS = 10_000;
  static final long SLIDE_MS = 2_000;
  static final long SESSION_GAP_MS = 10_000;

  /** One expected result: key, window and values (numbers are Long, or Double for averages). */
  public record Row(String key, long start, long end, Map<String, Object> values) {}

  private NexmarkModel() {}

  /** Events per type per 10 s tumbling window. */
  public static List<Row> q0(List<NexmarkEvent> events) {
    Map<List<Object>, Long> counts = new HashMap<>();
    for (NexmarkEvent e : events) {
      counts.merge(List.of(e.type(), Math.floorDiv(e.ts(), WINDOW_MS)), 1L, Long::sum);
    }
    List<Row> rows = new ArrayList<>();
    counts.forEach((k, n) -> rows.add(tumbling((String) k.get(0), (long) k.get(1), Map.of("events", n))));
    return sorted(rows);
  }

  /** Per auction with a bid in [start, expires]: its highest such bid, at its expiry. */
  public static List<Row> q4Closings(List<NexmarkEvent> events) {
    Map<Long, Long> best = new HashMap<>();
    Map<Long, NexmarkEvent> auctions = byId(events);
    for (NexmarkEvent b : ofType(events, NexmarkEvent.BID)) {
      NexmarkEvent a = auctions.get(b.longField("auction"));
      if (a != null && b.ts() >= a.ts() && b.ts() <= a.longField("expires")) {
        best.merge(a.longField("id"), b.longField("price"), Math::max);
      }
    }
    List<Row> rows = new ArrayList<>();
    best.forEach((id, price) -> {
      NexmarkEvent a = auctions.get(id);
      long expires = a.longField("expires");
      rows.add(new Row(String.valueOf(id), expires, expires, Map.of("auction", id,
          "category", a.longField("category"), "price", price, "expires", expires)));
    });
    return sorted(rows);
  }

  /** Average closing price per category per 10 s tumbling window of closing time. */
  public static List<Row> q4(List<NexmarkEvent> events) {
    Map<List<Long>, long[]> sumAndCount = new HashMap<>();
    for (Row c : q4Closings(events)) {
      long[] acc = sumAndCount.computeIfAbsent(
          List.of((Long) c.values().get("category"), Math.floorDiv(c.start(), WINDOW_MS)), k -> new long[2]);
      acc[0] += (Long) c.values().get("price");
      acc[1]++;
    }
    List<Row> rows = new ArrayList<>();
    sumAndCount.forEach((k, acc) -> rows.add(tumbling(String.valueOf(k.get(0)), k.get(1),
        Map.of("avg_price", (double) acc[0] / acc[1], "auctions", acc[1]))));
    return sorted(rows);
  }

  /** Per sliding window (10 s every 2 s): the highest bid count of an auction and every auction with it. */
  public static List<Row> q5(List<NexmarkEvent> events) {
    Map<Long, Map<Long, Long>> countsByEnd = new TreeMap<>();
    for (NexmarkEvent b : ofType(events, NexmarkEvent.BID)) {
      // Every window [s, s + 10 s) with s a multiple of 2 s and s ≤ ts < s + 10 s.
      for (long s = Math.floorDiv(b.ts(), SLIDE_MS) * SLIDE_MS; s > b.ts() - WINDOW_MS; s -= SLIDE_MS) {
        countsByEnd.computeIfAbsent(s + WINDOW_MS, k -> new HashMap<>()).merge(b.longField("auction"), 1L, Long::sum);
      }
    }
    List<Row> rows = new ArrayList<>();
    countsByEnd.forEach((end, counts) -> {
      long max = counts.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      List<Long> hot = counts.entrySet().stream().filter(c -> c.getValue() == max).map(Map.Entry::getKey)
          .sorted().toList();
      rows.add(new Row(String.valueOf(end), end - SLIDE_MS, end,
          Map.of("window_end", end, "bids", max, "auctions", hot)));
    });
    return sorted(rows);
  }

  /** The highest bid per 10 s tumbling window; ties go to the earlier ts, then the smaller bidder, auction. */
  public static List<Row> q7(List<NexmarkEvent> events) {
    Comparator<NexmarkEvent> better = Comparator.<NexmarkEvent>comparingLong(b -> -b.longField("price"))
        .thenComparingLong(NexmarkEvent::ts).thenComparingLong(b -> b.longField("bidder"))
        .thenComparingLong(b -> b.longField("auction"));
    Map<Long, NexmarkEvent> best = new HashMap<>();
    for (NexmarkEvent b : ofType(events, NexmarkEvent.BID)) {
      best.merge(Math.floorDiv(b.ts(), WINDOW_MS), b, (x, y) -> better.compare(x, y) <= 0 ? x : y);
    }
    List<Row> rows = new ArrayList<>();
    best.forEach((w, b) -> rows.add(tumbling("all", w, b.fields())));
    return sorted(rows);
  }

  /** Bids per bidder per session: sessions split where consecutive bids are more than 10 s apart. */
  public static List<Row> q11(List<NexmarkEvent> events) {
    Map<Long, List<Long>> times = new HashMap<>();
    for (NexmarkEvent b : ofType(events, NexmarkEvent.BID)) {
      times.computeIfAbsent(b.longField("bidder"), k -> new ArrayList<>()).add(b.ts());
    }
    List<Row> rows = new ArrayList<>();
    times.forEach((bidder, ts) -> {
      ts.sort(null);
      int first = 0;
      for (int i = 1; i <= ts.size(); i++) {
        // Sessions [t, t + gap) that touch merge, as Flink's do.
        if (i == ts.size() || ts.get(i) - ts.get(i - 1) > SESSION_GAP_MS) {
          rows.add(new Row(String.valueOf(bidder), ts.get(first), ts.get(i - 1) + SESSION_GAP_MS,
              Map.of("bids", (long) (i - first))));
          first = i;
        }
      }
    });
    return sorted(rows);
  }

  private static Row tumbling(String key, long index, Map<String, Object> values) {
    return new Row(key, index * WINDOW_MS, (index + 1) * WINDOW_MS, new LinkedHashMap<>(values));
  }

  private static List<NexmarkEvent> ofType(List<NexmarkEvent> events, String type) {
    return events.stream().filter(e -> e.type().equals(type)).toList();
  }

  private static Map<Long, NexmarkEvent> byId(List<NexmarkEvent> events) {
    Map<Long, NexmarkEvent> auctions = new HashMap<>();
    for (NexmarkEvent a : ofType(events, NexmarkEvent.AUCTION)) {
      auctions.put(a.longField("id"), a);
    }
    return auctions;
  }

  public static List<Row> sorted(List<Row> rows) {
    List<Row> copy = new ArrayList<>(rows);
    copy.sort(Comparator.comparing(Row::key).thenComparingLong(Row::start));
    return copy;
  }
}
