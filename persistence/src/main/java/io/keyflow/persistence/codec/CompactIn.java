package io.keyflow.persistence.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what {@link CompactOut} wrote: variable-length integers, strings, a field-name table and
 * JSON-like values. Bytes that do not decode fail with {@link IllegalStateException} or
 * {@link IndexOutOfBoundsException}, which the serializers turn into a loud "corrupt" failure.
 */
public final class CompactIn {
  private final byte[] buf;
  private int pos;

  public CompactIn(byte[] buf) {
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
      case CompactCodec.NULL -> null;
      case CompactCodec.FALSE -> Boolean.FALSE;
      case CompactCodec.TRUE -> Boolean.TRUE;
      case CompactCodec.LONG -> varLong();
      case CompactCodec.DOUBLE -> Double.longBitsToDouble(fixedLong());
      case CompactCodec.STRING -> string();
      case CompactCodec.LIST -> {
        int n = count();
        List<Object> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          list.add(value());
        }
        yield list;
      }
      case CompactCodec.MAP -> {
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
