package io.modelstash.format.pickle;

import io.modelstash.format.FormatException;

/**
 * Bounded reads from a pickle held in a byte array: every length is checked against the bytes that
 * are really there (and against the caller's size cap) before anything is allocated.
 */
final class PickleInput {
  final byte[] buf;
  final int start;
  private final int end;
  private final long cap;
  private final String action;
  int pos;

  /** Offset of the opcode being executed, for messages. */
  int opStart;

  PickleInput(byte[] buf, int start, long maxBytes, String action) throws FormatException {
    if (start < 0 || start > buf.length) {
      throw new FormatException(
          "Cannot "
              + action
              + ": offset "
              + start
              + " is outside the "
              + buf.length
              + "-byte input (pass an offset within the data)");
    }
    this.buf = buf;
    this.start = start;
    this.end = buf.length;
    this.cap = maxBytes > Long.MAX_VALUE - start ? Long.MAX_VALUE : start + maxBytes;
    this.action = action;
    this.pos = start;
  }

  FormatException fail(String reason, String hint) {
    return new FormatException(oneLine("Cannot " + action + ": " + reason + " (" + hint + ")"));
  }

  /**
   * Escapes control characters (text from the input can contain newlines) and shortens very long
   * messages, so that every error stays one readable line.
   */
  static String oneLine(String message) {
    StringBuilder sb = new StringBuilder(Math.min(message.length(), 1100));
    for (int i = 0; i < message.length(); i++) {
      if (sb.length() >= 1000) {
        sb.append("...");
        break;
      }
      char c = message.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** Checks that {@code n} more bytes exist, then returns their offset and skips them. */
  int take(long n, String what) throws FormatException {
    if (n < 0 || n > end - pos) {
      throw fail(
          "truncated at offset "
              + pos
              + ": "
              + what
              + " needs "
              + Long.toUnsignedString(n)
              + " bytes, only "
              + (end - pos)
              + " left",
          "the pickle is cut short or a length field is corrupt");
    }
    if (pos + n > cap) {
      throw fail(
          "the pickle is longer than the limit of " + (cap - start) + " bytes at offset " + pos,
          "raise Limits.maxBytes if this file is genuine");
    }
    int at = pos;
    pos += (int) n;
    return at;
  }

  int u8(String what) throws FormatException {
    return buf[take(1, what)] & 0xFF;
  }

  int u16(String what) throws FormatException {
    int p = take(2, what);
    return (buf[p] & 0xFF) | (buf[p + 1] & 0xFF) << 8;
  }

  int i32(String what) throws FormatException {
    int p = take(4, what);
    return (buf[p] & 0xFF)
        | (buf[p + 1] & 0xFF) << 8
        | (buf[p + 2] & 0xFF) << 16
        | (buf[p + 3] & 0xFF) << 24;
  }

  long u32(String what) throws FormatException {
    return i32(what) & 0xFFFFFFFFL;
  }

  long i64le(String what) throws FormatException {
    int p = take(8, what);
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (buf[p + i] & 0xFF);
    }
    return v;
  }

  long i64be(String what) throws FormatException {
    int p = take(8, what);
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = v << 8 | (buf[p + i] & 0xFF);
    }
    return v;
  }

  /**
   * Reads up to and including the next {@code \n}; returns {@code {offset, length}} of the line
   * without the newline.
   */
  int[] line(String what) throws FormatException {
    long limit = Math.min(end, cap);
    for (int i = pos; i < limit; i++) {
      if (buf[i] == '\n') {
        int[] r = {pos, i - pos};
        pos = i + 1;
        return r;
      }
    }
    if (limit < end) {
      throw fail(
          "the pickle is longer than the limit of " + (cap - start) + " bytes in " + what,
          "raise Limits.maxBytes if this file is genuine");
    }
    throw fail(
        "truncated at offset " + pos + ": " + what + " has no terminating newline",
        "the pickle is cut short or corrupt");
  }
}
