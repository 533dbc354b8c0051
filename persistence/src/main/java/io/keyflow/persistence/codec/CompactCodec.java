package io.keyflow.persistence.codec;

import io.keyflow.persistence.KeyGroupEntity.Forwarded;
import io.keyflow.persistence.KeyGroupEntity.Part;
import io.keyflow.persistence.internal.JournalEventSerializer;
import io.keyflow.persistence.internal.RecordMessageSerializer;
import io.keyflow.pipeline.Record;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact binary encoding that {@link JournalEventSerializer} (journal events),
 * {@link RecordMessageSerializer} and the sharding module's gateway messages (record-carrying
 * messages between nodes) share: field names once
 * per message (a table the records index into), numbers as zig-zag variable-length integers, a
 * record's timestamp as the difference to the previous record's, strings as length + 1 (0: null)
 * and UTF-8. Field values are the JSON-like values of {@link Record}: null, Boolean, Long, Double,
 * String, List and Map with String keys; anything else fails the write.
 */
public final class CompactCodec {

  private static final int NULL = 0;
  private static final int FALSE = 1;
  private static final int TRUE = 2;
  private static final int LONG = 3;
  private static final int DOUBLE = 4;
  private static final int STRING = 5;
  private static final int LIST = 6;
  private static final int MAP = 7;

  private CompactCodec() {}

  /** Parts with their records; the records' field names must be in {@code names}. */
  public static void writeParts(Out out, Names names, List<Part> parts) {
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
  public static void writeForwarded(Out out, Names names, List<Forwarded> records) {
    out.varInt(records.size());
    long ts = 0;
    for (Forwarded f : records) {
      out.varLong(f.seq());
      ts = writeRecord(out, names, f.record(), ts);
    }
  }

  public static List<Forwarded> readForwarded(In in, String[] names) {
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

  public static List<Part> readParts(In in, String[] names) {
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

  public static long writeRecord(Out out, Names names, Record r, long previousTs) {
    out.varLong(r.ts() - previousTs);
    out.string(r.key());
    out.varInt(r.fields().size());
    for (var field : r.fields().entrySet()) {
      out.varInt(names.indexOf(field.getKey()));
      value(out, field.getValue());
    }
    return r.ts();
  }

  public static Record readRecord(In in, String[] names, long ts) {
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

  private static void value(Out out, Object v) {
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

    public void write(Out out) {
      out.varInt(names.size());
      names.forEach(out::string);
    }
  }

  /** A growing byte buffer with variable-length integers (zig-zag for signed values). */
  public static final class Out {
    private byte[] buf = new byte[256];
    private int size;

    public void raw(int b) {
      ensure(1);
      buf[size++] = (byte) b;
    }

    public void varInt(int v) {
      varLong(v);
    }

    public void varLong(long v) {
      long z = (v << 1) ^ (v >> 63);
      ensure(10);
      while ((z & ~0x7FL) != 0) {
        buf[size++] = (byte) ((z & 0x7F) | 0x80);
        z >>>= 7;
      }
      buf[size++] = (byte) z;
    }

    public void fixedLong(long v) {
      ensure(8);
      for (int i = 0; i < 8; i++) {
        buf[size++] = (byte) (v >>> (56 - 8 * i));
      }
    }

    /** Length + 1 (0: null), then UTF-8. */
    public void string(String s) {
      if (s == null) {
        varInt(0);
        return;
      }
      byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
      varInt(utf8.length + 1);
      ensure(utf8.length);
      System.arraycopy(utf8, 0, buf, size, utf8.length);
      size += utf8.length;
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    public byte[] bytes() {
      return Arrays.copyOf(buf, size);
    }
  }

  public static final class In {
    private final byte[] buf;
    private int pos;

    public In(byte[] buf) {
      this.buf = buf;
    }

    public int raw() {
      if (pos >= buf.length) {
        throw new IllegalStateException("ends early at byte " + pos);
      }
      return buf[pos++] & 0xFF;
    }

    public long varLong() {
      long z = 0;
      for (int shift = 0; ; shift += 7) {
        if (shift > 63) {
          throw new IllegalStateException("variable-length integer too long at byte " + pos);
        }
        int b = raw();
        z |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) {
          break;
        }
      }
      return (z >>> 1) ^ -(z & 1);
    }

    public int varInt() {
      long v = varLong();
      if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
        throw new IllegalStateException("integer out of range at byte " + pos);
      }
      return (int) v;
    }

    /** A non-negative count no larger than the bytes left (each element takes at least one). */
    public int count() {
      int n = varInt();
      if (n < 0 || n > buf.length - pos) {
        throw new IllegalStateException("count " + n + " at byte " + pos + " exceeds the event");
      }
      return n;
    }

    public long fixedLong() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | raw();
      }
      return v;
    }

    public String string() {
      int n = varInt();
      if (n == 0) {
        return null;
      }
      int length = n - 1;
      if (length < 0 || length > buf.length - pos) {
        throw new IllegalStateException("string of " + length + " bytes at byte " + pos + " exceeds the event");
      }
      String s = new String(buf, pos, length, StandardCharsets.UTF_8);
      pos += length;
      return s;
    }

    public String[] names() {
      int n = count();
      String[] names = new String[n];
      for (int i = 0; i < n; i++) {
        names[i] = string();
      }
      return names;
    }

    public Object value() {
      int tag = raw();
      return switch (tag) {
        case NULL -> null;
        case FALSE -> Boolean.FALSE;
        case TRUE -> Boolean.TRUE;
        case LONG -> varLong();
        case DOUBLE -> Double.longBitsToDouble(fixedLong());
        case STRING -> string();
        case LIST -> {
          int n = count();
          List<Object> list = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            list.add(value());
          }
          yield list;
        }
        case MAP -> {
          int n = count();
          Map<String, Object> map = new LinkedHashMap<>(n * 2);
          for (int i = 0; i < n; i++) {
            map.put(string(), value());
          }
          yield map;
        }
        default -> throw new IllegalStateException("unknown value tag " + tag + " at byte " + (pos - 1));
      };
    }

    public void end() {
      if (pos != buf.length) {
        throw new IllegalStateException((buf.length - pos) + " bytes left after the event");
      }
    }
  }
}
