package io.keyflow.pipeline.internal.window;

import io.keyflow.pipeline.engine.WindowState;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * The open sessions of one key as a set that merges: a record at {@code ts} opens the session
 * {@code [ts, ts + gap)}, which absorbs every open session it overlaps or touches (a session ending
 * at {@code ts} merges, as in Flink, so two records exactly one gap apart share a session). Finding
 * the merge and applying it are separate steps because the operator drops the record, and changes
 * nothing, when the merged session is already late.
 *
 * <p>The merged session is always a new window that takes the absorbed sessions' contents, even when
 * it absorbs a single session with the same bounds: stored sessions have always been rebuilt so.
 */
final class SessionMerger {

  /**
   * The session a record joins: its bounds and the open sessions it absorbs, in start order.
   */
  record Merge(long start, long end, List<WindowState> absorbed) {}

  private final long gapMillis;

  SessionMerger(long gapMillis) {
    this.gapMillis = gapMillis;
  }

  /**
   * The session a record at {@code timestamp} belongs to among {@code sessions} (start → session).
   * One pass in start order suffices because open sessions never touch one another.
   */
  Merge sessionOf(TreeMap<Long, WindowState> sessions, long timestamp) {
    long start = timestamp;
    long end = timestamp + gapMillis;
    List<WindowState> absorbed = new ArrayList<>();
    for (WindowState w : sessions.values()) {
      if (w.start <= end && w.end >= start) {
        absorbed.add(w);
        start = Math.min(start, w.start);
        end = Math.max(end, w.end);
      }
    }
    return new Merge(start, end, absorbed);
  }

  /**
   * Replaces the absorbed sessions of {@code merge} with {@code merged} (a new, empty window with the
   * merge's bounds), folding their contents into it in start order.
   */
  static void apply(TreeMap<Long, WindowState> sessions, Merge merge, WindowState merged,
      BiConsumer<WindowState, WindowState> mergeContents) {
    for (WindowState w : merge.absorbed()) {
      sessions.remove(w.start);
      mergeContents.accept(merged, w);
    }
    sessions.put(merged.start, merged);
  }
}
