package io.keyflow.node.results;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Base64;

/**
 * Where a results stream over all key groups of a stage stands: per key group, the output sequence
 * number of the last result sent (0: none). Its text form is the SSE event id, so a client that
 * reconnects with {@code Last-Event-ID} resumes exactly after it.
 *
 * <p>Text form: {@code c1.} followed by unpadded base64url of unsigned varints, two per key group with
 * progress, in key group order: the gap to the previous such key group (minus one) and the sequence
 * number. Printable and short: 128 key groups with sequence numbers below 2^21 take under 700 characters.
 */
public final class StreamCursor {

  static final String PREFIX = "c1.";

  private final long[] seqs;

  private StreamCursor(long[] seqs) {
    this.seqs = seqs;
  }

  /** Nothing sent yet: the stream starts at the oldest retained result. */
  public static StreamCursor start(int keyGroups) {
    return new StreamCursor(new long[keyGroups]);
  }

  /** The last sequence number sent of {@code keyGroup} (0: none). */
  long after(int keyGroup) {
    return seqs[keyGroup];
  }

  /** A copy that has sent {@code seq} of {@code keyGroup}. */
  public StreamCursor advance(int keyGroup, long seq) {
    long[] next = seqs.clone();
    next[keyGroup] = seq;
    return new StreamCursor(next);
  }

  String encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int previous = -1;
    for (int kg = 0; kg < seqs.length; kg++) {
      if (seqs[kg] > 0) {
        writeVarint(bytes, kg - previous - 1);
        writeVarint(bytes, seqs[kg]);
        previous = kg;
      }
    }
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.toByteArray());
  }

  /**
   * Reads a cursor written by {@link #encode} for a stage with {@code keyGroups} key groups.
   *
   * @throws IllegalArgumentException if the text is not such a cursor
   */
  public static StreamCursor decode(String text, int keyGroups) {
    if (text == null || !text.startsWith(PREFIX) || text.length() > 4096) {
      throw new IllegalArgumentException("not a results stream cursor");
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a results stream cursor: bad base64url");
    }
    long[] seqs = new long[keyGroups];
    int[] pos = {0};
    long kg = -1;
    while (pos[0] < bytes.length) {
      kg = kg + 1 + readVarint(bytes, pos);
      long seq = readVarint(bytes, pos);
      if (kg >= keyGroups || seq <= 0) {
        throw new IllegalArgumentException("not a results stream cursor of a stage with " + keyGroups + " key groups");
      }
      seqs[(int) kg] = seq;
    }
    return new StreamCursor(seqs);
  }

  private static void writeVarint(ByteArrayOutputStream out, long value) {
    long v = value;
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static long readVarint(byte[] bytes, int[] pos) {
    long value = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      if (pos[0] >= bytes.length) {
        throw new IllegalArgumentException("not a results stream cursor: truncated");
      }
      byte b = bytes[pos[0]++];
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IllegalArgumentException("not a results stream cursor: number too long");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StreamCursor other && Arrays.equals(seqs, other.seqs);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(seqs);
  }

  @Override
  public String toString() {
    return encode();
  }
}
