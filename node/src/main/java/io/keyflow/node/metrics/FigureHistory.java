package io.keyflow.node.metrics;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The last minutes of every node's {@link NodeFigures} as this node received them, and the marks of
 * what happened meanwhile (a member down or removed, key groups moving or recovering), so a page
 * opened after a failover still shows it. A node that sent nothing for {@code silentMillis} is no
 * longer {@link #current} (it left, or is cut off), but its points stay for the charts until they are
 * {@code keepMillis} old. Bounded: at most {@code points} figures per node and {@code maxMarks} marks,
 * the oldest dropped first. Thread-safe.
 */
public final class FigureHistory {

  /** Something that happened at {@code atMillis}, for the time axis. */
  public record Mark(long atMillis, String kind, String text) {}

  private final int points;
  private final int maxMarks;
  private final long silentMillis;
  private final long keepMillis;
  private final Map<String, Deque<NodeFigures>> byNode = new TreeMap<>();
  private final Deque<Mark> marks = new ArrayDeque<>();

  public FigureHistory(int points, int maxMarks, long silentMillis, long keepMillis) {
    if (points < 1 || maxMarks < 1) {
      throw new IllegalArgumentException("a figure history keeps at least one point and one mark");
    }
    this.points = points;
    this.maxMarks = maxMarks;
    this.silentMillis = silentMillis;
    this.keepMillis = keepMillis;
  }

  /** A node's figures arrived; an older one than its last is ignored (figures of one node come in order). */
  public synchronized void add(String node, NodeFigures figures) {
    Deque<NodeFigures> series = byNode.computeIfAbsent(node, n -> new ArrayDeque<>());
    if (!series.isEmpty() && series.peekLast().atMillis() >= figures.atMillis()) {
      return;
    }
    series.addLast(figures);
    while (series.size() > points) {
      series.removeFirst();
    }
  }

  public synchronized void mark(long atMillis, String kind, String text) {
    marks.addLast(new Mark(atMillis, kind, text));
    while (marks.size() > maxMarks) {
      marks.removeFirst();
    }
  }

  /** Drops the nodes whose last figures are more than {@code keepMillis} old at {@code nowMillis}. */
  synchronized void forgetOld(long nowMillis) {
    byNode.values().removeIf(series -> series.isEmpty() || nowMillis - series.peekLast().atMillis() > keepMillis);
  }

  /** The nodes that sent figures within the last {@code silentMillis} before {@code nowMillis}. */
  public synchronized Set<String> current(long nowMillis) {
    Set<String> current = new TreeSet<>();
    byNode.forEach((node, series) -> {
      if (!series.isEmpty() && nowMillis - series.peekLast().atMillis() <= silentMillis) {
        current.add(node);
      }
    });
    return current;
  }

  /** Per node, its figures oldest first. */
  public synchronized Map<String, List<NodeFigures>> nodes() {
    Map<String, List<NodeFigures>> copy = new TreeMap<>();
    byNode.forEach((node, series) -> copy.put(node, List.copyOf(series)));
    return copy;
  }

  public synchronized List<Mark> marks() {
    return new ArrayList<>(marks);
  }
}
