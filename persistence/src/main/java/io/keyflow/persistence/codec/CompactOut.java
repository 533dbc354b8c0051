package io.keyflow.persistence.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growing byte buffer with variable-length integers (zig-zag for signed values). */
public final class CompactOut {
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
