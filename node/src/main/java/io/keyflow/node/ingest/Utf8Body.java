package io.keyflow.node.ingest;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * An ingest body as strict UTF-8 bytes, and the few text operations the parser needs on them
 * without decoding the body to a String. Validation is the JDK's strict decoder (it refuses what
 * Jackson's byte parser lets through: overlong forms, encoded surrogates, code points past
 * U+10FFFF), run over the bytes into a small scratch buffer.
 */
public final class Utf8Body {

  /** Where a body is not valid in its charset: byte offset, 1-based line and a readable message. */
  record Malformed(int offset, int line, String message) {}

  private Utf8Body() {}

  /** The first malformed sequence of {@code body} as UTF-8, or null when it is all valid. */
  static Malformed firstMalformed(byte[] body) {
    CharsetDecoder decoder = strict(StandardCharsets.UTF_8);
    ByteBuffer in = ByteBuffer.wrap(body);
    CharBuffer scratch = CharBuffer.allocate(8192);
    while (true) {
      CoderResult result = decoder.decode(in, scratch, true);
      if (result.isOverflow()) {
        scratch.clear();
      } else if (result.isError()) {
        return malformed("UTF-8", body, in.position(), result.length());
      } else {
        return null;
      }
    }
  }

  /**
   * {@code body} in UTF-8: the same array when {@code charset} is UTF-8, else transcoded with a
   * strict decoder (a legacy charset declared by the client is the rare case; it costs one copy).
   *
   * @throws InvalidText where the body is not valid in {@code charset}
   */
  static byte[] asUtf8(byte[] body, Charset charset) {
    if (charset.equals(StandardCharsets.UTF_8)) {
      return body;
    }
    CharsetDecoder decoder = strict(charset);
    ByteBuffer in = ByteBuffer.wrap(body);
    CharBuffer chars = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, (long) body.length * 2 + 16));
    CoderResult result = decoder.decode(in, chars, true);
    if (result.isOverflow()) {
      throw new IllegalStateException(charset + " decoded to more than two chars a byte");
    }
    if (result.isError()) {
      int line = 1;
      for (int i = 0; i < chars.position(); i++) {
        line += chars.get(i) == '\n' ? 1 : 0;
      }
      throw new InvalidText(new Malformed(in.position(), line, "invalid " + charset.name() + " at byte "
          + in.position() + " (line " + line + "): " + hex(body, in.position(), result.length())));
    }
    decoder.flush(chars);
    chars.flip();
    try {
      ByteBuffer utf8 = StandardCharsets.UTF_8.newEncoder().encode(chars);
      byte[] out = new byte[utf8.remaining()];
      utf8.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("valid text always encodes as UTF-8", e);
    }
  }

  /** A body that is not valid in its declared charset. */
  static final class InvalidText extends RuntimeException {
    private final transient Malformed where;

    InvalidText(Malformed where) {
      super(where.message(), null, false, false);
      this.where = where;
    }

    Malformed where() {
      return where;
    }
  }

  /**
   * The number of UTF-16 chars of valid UTF-8 {@code body[from, to)}: what {@code String.length()}
   * of its decoded text would be (a four-byte sequence is two chars).
   */
  static long charCount(byte[] body, int from, int to) {
    long chars = 0;
    for (int i = from; i < to; i++) {
      int b = body[i] & 0xFF;
      if ((b & 0xC0) != 0x80) {
        chars += b >= 0xF0 ? 2 : 1;
      }
    }
    return chars;
  }

  /** The start of valid UTF-8 {@code body[from, to)} after leading whitespace, as {@link String#strip()} sees it. */
  static int stripStart(byte[] body, int from, int to) {
    int i = from;
    while (i < to) {
      int b = body[i] & 0xFF;
      int length = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
      if (!Character.isWhitespace(codePoint(body, i, length))) {
        break;
      }
      i += length;
    }
    return i;
  }

  /** The end of valid UTF-8 {@code body[from, to)} before trailing whitespace, as {@link String#strip()} sees it. */
  static int stripEnd(byte[] body, int from, int to) {
    int end = to;
    while (end > from) {
      int start = end - 1;
      while (start > from && (body[start] & 0xC0) == 0x80) {
        start--;
      }
      if (!Character.isWhitespace(codePoint(body, start, end - start))) {
        break;
      }
      end = start;
    }
    return end;
  }

  private static int codePoint(byte[] body, int at, int length) {
    int b = body[at] & 0xFF;
    return switch (length) {
      case 1 -> b;
      case 2 -> (b & 0x1F) << 6 | body[at + 1] & 0x3F;
      case 3 -> (b & 0x0F) << 12 | (body[at + 1] & 0x3F) << 6 | body[at + 2] & 0x3F;
      default -> (b & 0x07) << 18 | (body[at + 1] & 0x3F) << 12 | (body[at + 2] & 0x3F) << 6 | body[at + 3] & 0x3F;
    };
  }

  private static Malformed malformed(String charset, byte[] body, int offset, int length) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < offset; i++) {
      if (body[i] == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    return new Malformed(offset, line, "invalid " + charset + " at line " + line + ", byte " + (offset - lineStart + 1)
        + " of the line (byte " + offset + " of the body): " + hex(body, offset, length));
  }

  private static String hex(byte[] body, int offset, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = offset; i < Math.min(body.length, offset + Math.max(1, length)); i++) {
      text.append(text.length() == 0 ? "" : " ").append("0x").append(HexFormat.of().withUpperCase().toHexDigits(body[i]));
    }
    return text.toString();
  }

  private static CharsetDecoder strict(Charset charset) {
    return charset.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
  }
}
