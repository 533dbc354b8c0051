package io.keyflow.persistence.journal;

import com.datastax.oss.driver.api.core.cql.Row;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;

/**
 * One persistence id's fence row: its current epoch, the claim that took it, and the recorded start
 * of each epoch (docs/durability.md).
 */
record Fence(long epoch, UUID owner, NavigableMap<Long, Long> starts) {

  static final Fence NONE = new Fence(0, null, new TreeMap<>());

  /** The fence itself, or {@link #NONE} for a persistence id without a row ({@code null}). */
  static Fence orNone(Fence fence) {
    return fence == null ? NONE : fence;
  }

  /**
   * The fence in a row of the fence table, or in the answer of a lightweight transaction that did
   * not apply (which carries the owner only when the statement was {@code IF NOT EXISTS}).
   */
  static Fence of(Row row) {
    if (row == null || !row.getColumnDefinitions().contains("epoch") || row.isNull("epoch")) {
      return NONE;
    }
    boolean hasOwner = row.getColumnDefinitions().contains("owner");
    return new Fence(row.getLong("epoch"), hasOwner ? row.getUuid("owner") : null,
        new TreeMap<>(row.getMap("starts", Long.class, Long.class)));
  }
}
