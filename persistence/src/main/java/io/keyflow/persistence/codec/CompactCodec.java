package io.keyflow.persistence.codec;

import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.pipeline.Record;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact binary encoding that {@code JournalEventSerializer} (journal events),
 * {@code RecordMessageSerializer} and the sharding module's gateway messages (record-carrying
 * messages between nodes) share: field names once
 * per message (a table the records index into), numbers as zig-zag variable-length integers, a
 * record's timestamp as the difference to the previous record's, strings as length + 1 (0: null)
 * and UTF-8. Field values are the JSON-like values of {@link Record}: null, Boolean, Long, Double,
 * String, List and Map with String keys; anything else fails the write. This class writes records,
 * parts and field-name tables; {@link CompactOut} and {@link CompactIn} are the bytes underneath.
 */
public final class CompactCodec {

  static final int NULL = 0;
  static final int FALSE = 1;
  static final int TRUE = 2;
  static final int LONG = 3;
  static final int DOUBLE = 4;
  static final int STRING = 5;
  static final int LIST = 6;
  static final int MAP = 7;

  private CompactCodec() {}

  /** Parts with their records; the records' field names must be in {@code names}. */
  public static void writeParts(CompactOut out, Names names, List<Part> parts) {
    out.varInt(parts.size());
    long ts = 0;
    for (Part part : parts) {
      out.string(part.id());
      out.string(part.source());
      out.varLong(part.seq());
      out.varLong(part.firstSeen());
      out.varInt(part.from());
      out.varInt(part.total());
      out.varInt(part.records().size());
      for (Record r : part.records()) {
        ts = writeRecord(out, names, r, ts);
      }
    }
  }

  /** Forwarded records with their source sequence numbers; field names must be in {@code names}. */
  public static void writeForwarded(CompactOut out, Names names, List<Forwarded> records) {
    out.varInt(records.size());
    long ts = 0;
    for (Forwarded f : records) {
      out.varLong(f.seq());
      ts = writeRecord(out, names, f.record(), ts);
    }
  }

  public static List<Forwarded> readForwarded(CompactIn in, String[] names) {
    int count = in.count();
    List<Forwarded> records = new ArrayList<>(count);
    long ts = 0;
    for (int i = 0; i < count; i++) {
      long seq = in.varLong();
      ts += in.varLong();
      records.add(new Forwarded(seq, readRecord(in, names, ts)));
    }
    return records;
  }

  public static List<Part> readParts(CompactIn in, String[] names) {
    int partCount = in.count();
    List<Part> parts = new ArrayList<>(partCount);
    long ts = 0;
    for (int p = 0; p < partCount; p++) {
      String id = in.string();
      String source = in.string();
      long seq = in.varLong();
      long firstSeen = in.varLong();
      int from = in.varInt();
      int total = in.varInt();
      int recordCount = in.count();
      List<Record> records = new ArrayList<>(recordCount);
      for (int r = 0; r < recordCount; r++) {
        ts += in.varLong();
        records.add(readRecord(in, names, ts));
      }
      parts.add(new Part(id, records, source, seq, firstSeen, from, total));
    }
    return parts;
  }

  public static long writeRecord(CompactOut out, Names names, Record r, long previousTs) {
    out.varLong(r.ts() - previousTs);
    out.string(r.key());
    out.varInt(r.fields().size());
    for (var field : r.fields().entrySet()) {
      out.varInt(names.indexOf(field.getKey()));
      value(out, field.getValue());
    }
    return r.ts();
  }

  public static Record readRecord(CompactIn in, String[] names, long ts) {
    String key = in.string();
    int fieldCount = in.count();
    Map<String, Object> fields = new LinkedHashMap<>(fieldCount * 2);
    for (int f = 0; f < fieldCount; f++) {
      int index = in.varInt();
      if (index < 0 || index >= names.length) {
        throw new IllegalStateException("field name index " + index + " outside the event's " + names.length);
      }
      fields.put(names[index], in.value());
    }
    return new Record(key, ts, fields);
  }

  private static void value(CompactOut out, Object v) {
    if (v == null) {
      out.raw(NULL);
    } else if (v instanceof Boolean b) {
      out.raw(b ? TRUE : FALSE);
    } else if (v instanceof Long l) {
      out.raw(LONG);
      out.varLong(l);
    } else if (v instanceof Double d) {
      out.raw(DOUBLE);
      out.fixedLong(Double.doubleToRawLongBits(d));
    } else if (v instanceof String s) {
      out.raw(STRING);
      out.string(s);
    } else if (v instanceof List<?> list) {
      out.raw(LIST);
      out.varInt(list.size());
      for (Object item : list) {
        value(out, item);
      }
    } else if (v instanceof Map<?, ?> map) {
      out.raw(MAP);
      out.varInt(map.size());
      for (var entry : map.entrySet()) {
        out.string(String.valueOf(entry.getKey()));
        value(out, entry.getValue());
      }
    } else {
      throw new IllegalArgumentException("a record field value of type " + v.getClass().getName()
          + " cannot be journaled (only null, Boolean, Long, Double, String, List and Map)");
    }
  }

  /** The field names of an event's records, each written once. */
  public static final class Names {
    private final Map<String, Integer> index = new HashMap<>();
    private final List<String> names = new ArrayList<>();

    public static Names ofParts(List<Part> parts) {
      Names names = new Names();
      for (Part part : parts) {
        names.collect(part.records());
      }
      return names;
    }

    public static Names ofForwarded(List<Forwarded> records) {
      Names names = new Names();
      for (Forwarded f : records) {
        names.add(f.record());
      }
      return names;
    }

    public void collect(List<Record> records) {
      for (Record r : records) {
        add(r);
      }
    }

    private void add(Record r) {
      for (String name : r.fields().keySet()) {
        if (!index.containsKey(name)) {
          index.put(name, names.size());
          names.add(name);
        }
      }
    }

    public int indexOf(String name) {
      return index.get(name);
    }

    public void write(CompactOut out) {
      out.varInt(names.size());
      names.forEach(out::string);
    }
  }
}
