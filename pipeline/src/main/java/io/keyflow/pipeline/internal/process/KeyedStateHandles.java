package io.keyflow.pipeline.internal.process;

import io.keyflow.pipeline.engine.KeyState;
import io.keyflow.pipeline.ListState;
import io.keyflow.pipeline.MapState;
import io.keyflow.pipeline.StateDescriptor;
import io.keyflow.pipeline.ValueState;
import io.keyflow.pipeline.StateCodec;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The keyed state handles a {@link io.keyflow.pipeline.KeyedProcessFunction} gets from its runtime
 * context: each reads and writes the current key's cells (neutral trees, {@link StateCodec}) in the
 * stage state, dropping cells whose time-to-live has passed on the way.
 */
final class KeyedStateHandles {

  /** The key in scope while the function runs, and the (journaled) processing time. */
  interface Scope {
    /** The current key's state; null when it has none and {@code create} is false. */
    KeyState keyState(boolean create);

    long now();

    /** When a cell written now under descriptor {@code d} expires. */
    long expiryOf(StateDescriptor d);
  }

  private KeyedStateHandles() {}

  static final class Value<T> implements ValueState<T> {
    private final Scope scope;
    private final StateDescriptor.Value<T> d;

    Value(Scope scope, StateDescriptor.Value<T> d) {
      this.scope = scope;
      this.d = d;
    }

    @Override
    public T value() {
      KeyState ks = scope.keyState(false);
      KeyState.Cell cell = ks == null ? null : ks.values.get(d.name());
      if (cell == null) {
        return null;
      }
      if (cell.expired(scope.now())) {
        ks.values.remove(d.name());
        return null;
      }
      return StateCodec.decode(cell.value, d.type());
    }

    @Override
    public void update(T value) {
      if (value == null) {
        clear();
        return;
      }
      scope.keyState(true).values.put(d.name(), new KeyState.Cell(StateCodec.encode(value), scope.expiryOf(d)));
    }

    @Override
    public void clear() {
      KeyState ks = scope.keyState(false);
      if (ks != null) {
        ks.values.remove(d.name());
      }
    }
  }

  static final class ListHandle<T> implements ListState<T> {
    private final Scope scope;
    private final StateDescriptor.List<T> d;

    ListHandle(Scope scope, StateDescriptor.List<T> d) {
      this.scope = scope;
      this.d = d;
    }

    private List<KeyState.Cell> live(boolean create) {
      KeyState ks = scope.keyState(create);
      if (ks == null) {
        return null;
      }
      List<KeyState.Cell> cells = create ? ks.lists.computeIfAbsent(d.name(), n -> KeyState.newList()) : ks.lists.get(d.name());
      if (cells != null) {
        long now = scope.now();
        cells.removeIf(c -> c.expired(now));
        if (cells.isEmpty() && !create) {
          ks.lists.remove(d.name());
          return null;
        }
      }
      return cells;
    }

    @Override
    public Iterable<T> get() {
      List<KeyState.Cell> cells = live(false);
      List<T> out = new ArrayList<>();
      if (cells != null) {
        for (KeyState.Cell c : cells) {
          out.add(StateCodec.decode(c.value, d.elementType()));
        }
      }
      return out;
    }

    @Override
    public void add(T value) {
      if (value == null) {
        throw new NullPointerException("a list state element must not be null");
      }
      live(true).add(new KeyState.Cell(StateCodec.encode(value), scope.expiryOf(d)));
    }

    @Override
    public void addAll(List<T> values) {
      for (T v : values) {
        add(v);
      }
    }

    @Override
    public void update(List<T> values) {
      clear();
      if (values != null && !values.isEmpty()) {
        addAll(values);
      }
    }

    @Override
    public void clear() {
      KeyState ks = scope.keyState(false);
      if (ks != null) {
        ks.lists.remove(d.name());
      }
    }
  }

  static final class MapHandle<K, V> implements MapState<K, V> {
    private final Scope scope;
    private final StateDescriptor.Map<K, V> d;

    MapHandle(Scope scope, StateDescriptor.Map<K, V> d) {
      this.scope = scope;
      this.d = d;
    }

    private TreeMap<String, KeyState.Cell> live(boolean create) {
      KeyState ks = scope.keyState(create);
      if (ks == null) {
        return null;
      }
      TreeMap<String, KeyState.Cell> cells = create ? ks.maps.computeIfAbsent(d.name(), n -> new TreeMap<>()) : ks.maps.get(d.name());
      if (cells != null) {
        long now = scope.now();
        cells.values().removeIf(c -> c.expired(now));
        if (cells.isEmpty() && !create) {
          ks.maps.remove(d.name());
          return null;
        }
      }
      return cells;
    }

    @Override
    public V get(K key) {
      TreeMap<String, KeyState.Cell> cells = live(false);
      KeyState.Cell c = cells == null ? null : cells.get(StateCodec.encodeKey(key));
      return c == null ? null : StateCodec.decode(c.value, d.valueType());
    }

    @Override
    public void put(K key, V value) {
      if (key == null) {
        throw new NullPointerException("a map state key must not be null");
      }
      live(true).put(StateCodec.encodeKey(key), new KeyState.Cell(StateCodec.encode(value), scope.expiryOf(d)));
    }

    @Override
    public void putAll(Map<K, V> entries) {
      entries.forEach(this::put);
    }

    @Override
    public void remove(K key) {
      TreeMap<String, KeyState.Cell> cells = live(false);
      if (cells != null) {
        cells.remove(StateCodec.encodeKey(key));
        if (cells.isEmpty()) {
          scope.keyState(false).maps.remove(d.name());
        }
      }
    }

    @Override
    public boolean contains(K key) {
      TreeMap<String, KeyState.Cell> cells = live(false);
      return cells != null && cells.containsKey(StateCodec.encodeKey(key));
    }

    @Override
    @SuppressWarnings("unchecked")
    public Iterable<Map.Entry<K, V>> entries() {
      TreeMap<String, KeyState.Cell> cells = live(false);
      List<Map.Entry<K, V>> out = new ArrayList<>();
      if (cells != null) {
        cells.forEach((k, c) -> out.add(new AbstractMap.SimpleImmutableEntry<>(
            (K) StateCodec.decodeKey(k, d.keyType()), StateCodec.decode(c.value, d.valueType()))));
      }
      return out;
    }

    @Override
    public Iterable<K> keys() {
      List<K> out = new ArrayList<>();
      entries().forEach(e -> out.add(e.getKey()));
      return out;
    }

    @Override
    public Iterable<V> values() {
      List<V> out = new ArrayList<>();
      entries().forEach(e -> out.add(e.getValue()));
      return out;
    }

    @Override
    public boolean isEmpty() {
      return live(false) == null;
    }

    @Override
    public void clear() {
      KeyState ks = scope.keyState(false);
      if (ks != null) {
        ks.maps.remove(d.name());
      }
    }
  }
}
