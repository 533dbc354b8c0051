package io.keyflow.pipeline.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keyed state of one key of a process function, by state name. Values are neutral trees of
 * {@link io.keyflow.pipeline.StateCodec}, so the state serializes without type information.
 */
public final class KeyState {
  public TreeMap<String, Cell> values = new TreeMap<>();
  public TreeMap<String, List<Cell>> lists = new TreeMap<>();
  public TreeMap<String, TreeMap<String, Cell>> maps = new TreeMap<>();

  public KeyState() {}

  /**
   * What queryable state shows of this key at processing time {@code now}, by state name: a value, a
   * list or a map of the values not expired.
   */
  public Map<String, Object> view(long now) {
    Map<String, Object> view = new TreeMap<>();
    values.forEach((name, cell) -> {
      if (!cell.expired(now)) {
        view.put(name, cell.value);
      }
    });
    lists.forEach((name, cells) -> {
      List<Object> items = new ArrayList<>();
      cells.forEach(c -> {
        if (!c.expired(now)) {
          items.add(c.value);
        }
      });
      view.put(name, items);
    });
    maps.forEach((name, cells) -> {
      Map<String, Object> entries = new LinkedHashMap<>();
      cells.forEach((k, c) -> {
        if (!c.expired(now)) {
          entries.put(k, c.value);
        }
      });
      view.put(name, entries);
    });
    return view;
  }

  public boolean holdsNothing() {
    return values.isEmpty() && lists.isEmpty() && maps.isEmpty();
  }

  /** One stored value and when it expires (processing time, ms; Long.MAX_VALUE = never). */
  public static final class Cell {
    public Object value;
    public long expiresAt = Long.MAX_VALUE;

    public Cell() {}

    public Cell(Object value, long expiresAt) {
      this.value = value;
      this.expiresAt = expiresAt;
    }

    public boolean expired(long now) {
      return expiresAt != Long.MAX_VALUE && now >= expiresAt;
    }
  }

  public static List<Cell> newList() {
    return new ArrayList<>();
  }
}
