package io.keyflow.persistence.results;

import io.keyflow.pipeline.WindowResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The latest result of each window among stored firings: per key and window start, the firing with
 * the highest stored sequence number wins, whatever row it was read from and however often it was
 * written (a re-delivery rewrites firings; a late record re-fires a window with a higher number). The
 * same rule as the write timestamps of the {@code results} rows of earlier versions, which
 * {@link #merge} takes with their write time as sequence number.
 */
final class LatestResults {

  private final Map<WindowKey, ResultsBatchCodec.Firing> latest = new HashMap<>();

  private record WindowKey(String key, long windowStart) {}

  /** Takes {@code firing} unless a firing of its key and window with a higher (or the same) number is known. */
  void merge(ResultsBatchCodec.Firing firing) {
    latest.merge(new WindowKey(firing.key(), firing.windowStart()), firing,
        (known, offered) -> offered.seq() > known.seq() ? offered : known);
  }

  /**
   * The latest firing of every window with {@code from <= window start < to} (of {@code key} only,
   * unless it is null), by key then window start, its values decoded by {@code values}.
   */
  List<WindowResult> results(String key, long from, long to, Function<String, Map<String, Object>> values) {
    List<WindowResult> out = new ArrayList<>();
    for (ResultsBatchCodec.Firing f : latest.values()) {
      if ((key == null || key.equals(f.key())) && f.windowStart() >= from && f.windowStart() < to) {
        out.add(new WindowResult(f.key(), f.windowStart(), f.windowEnd(), values.apply(f.valuesJson())));
      }
    }
    out.sort(Comparator.comparing(WindowResult::key).thenComparingLong(WindowResult::windowStart));
    return out;
  }
}
