package io.keyflow.persistence.results;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code firings} blob of a {@code results_batches} row: the firings of one delivery of one key
 * group to one stage (or side-output tag), in output order. Cassandra spends its CPU per row and cell,
 * so one delivery is one blob cell instead of a row per firing; field names are not repeated and
 * numbers are varints.
 *
 * <p>Format 1: the format byte {@code 1}, the number of firings (unsigned varint), then per firing:
 * its stored sequence number (the first absolute, each later one as the positive difference to the one
 * before, unsigned varints), the key (length-prefixed UTF-8), window start (zig-zag varint), window end
 * minus window start (zig-zag varint, wrapping like Java's {@code long}), and the result values as the
 * JSON text the {@code results} row stores (length-prefixed UTF-8). Lengths are unsigned varints.
 */
public final class ResultsBatchCodec {

  static final byte FORMAT = 1;

  /** One firing as stored: its stored sequence number, window and values as JSON text. */
  public record Firing(long seq, String key, long windowStart, long windowEnd, String valuesJson) {}

  private ResultsBatchCodec() {}

  /** The blob of {@code firings}, which must be non-empty and in strictly increasing sequence order. */
  public static ByteBuffer encode(List<Firing> firings) {
    if (firings.isEmpty()) {
      throw new IllegalArgumentException("a results batch holds at least one firing");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(32 + 64 * firings.size());
    out.write(FORMAT);
    writeUnsigned(out, firings.size());
    long previous = 0;
    for (Firing f : firings) {
      if (f.seq() <= previous) {
        throw new IllegalArgumentException("sequence numbers must be positive and increasing: " + f.seq()
            + " after " + previous);
      }
      writeUnsigned(out, f.seq() - previous);
      previous = f.seq();
      writeText(out, f.key());
      writeSigned(out, f.windowStart());
      writeSigned(out, f.windowEnd() - f.windowStart());
      writeText(out, f.valuesJson());
    }
    return ByteBuffer.wrap(out.toByteArray());
  }

  /** The firings of a blob written by {@link #encode}, in order; the buffer's position is not moved. */
  public static List<Firing> decode(ByteBuffer blob) {
    ByteBuffer in = blob.duplicate();
    try {
      byte format = in.get();
      if (format != FORMAT) {
        throw new IllegalStateException("unknown results batch format " + format);
      }
      long count = readUnsigned(in);
      if (count <= 0 || count > in.remaining()) {
        throw new IllegalStateException("corrupt results batch: " + count + " firings in " + in.remaining() + " bytes");
      }
      List<Firing> firings = new ArrayList<>((int) count);
      long seq = 0;
      for (long i = 0; i < count; i++) {
        seq = Math.addExact(seq, readUnsigned(in));
        String key = readText(in);
        long start = readSigned(in);
        long end = start + readSigned(in);
        firings.add(new Firing(seq, key, start, end, readText(in)));
      }
      if (in.hasRemaining()) {
        throw new IllegalStateException("corrupt results batch: " + in.remaining() + " bytes after the last firing");
      }
      return firings;
    } catch (java.nio.BufferUnderflowException | ArithmeticException e) {
      throw new IllegalStateException("corrupt results batch (" + blob.remaining() + " bytes)", e);
    }
  }

  private static void writeText(ByteArrayOutputStream out, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    writeUnsigned(out, bytes.length);
    out.write(bytes, 0, bytes.length);
  }

  private static String readText(ByteBuffer in) {
    long length = readUnsigned(in);
    if (length > in.remaining()) {
      throw new IllegalStateException("corrupt results batch: text of " + length + " bytes, " + in.remaining() + " left");
    }
    byte[] bytes = new byte[(int) length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void writeSigned(ByteArrayOutputStream out, long value) {
    writeUnsigned(out, (value << 1) ^ (value >> 63));
  }

  private static long readSigned(ByteBuffer in) {
    long zigZag = readUnsigned(in);
    return (zigZag >>> 1) ^ -(zigZag & 1);
  }

  /** Seven bits per byte, least significant first; the high bit says another byte follows. */
  private static void writeUnsigned(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }

  private static long readUnsigned(ByteBuffer in) {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      byte b = in.get();
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalStateException("corrupt results batch: varint longer than 10 bytes");
  }
}
