package io.modelstash.format.pickle;

import java.io.ByteArrayOutputStream;

/**
 * UTF-8 as Python's codec does it: strict decoding (no overlong forms, nothing above U+10FFFF),
 * optionally with the {@code surrogatepass} error handler, which lets encoded surrogates ({@code ED
 * A0..BF xx}) through as lone UTF-16 surrogates. The encoder writes lone surrogates the same way,
 * so any Java string round-trips.
 */
final class Utf8 {
  private Utf8() {}

  /** Decodes {@code len} bytes at {@code off}, or returns null if they are not valid. */
  static String decode(byte[] b, int off, int len, boolean surrogatePass) {
    int end = off + len;
    int i = off;
    while (i < end && b[i] >= 0) {
      i++;
    }
    if (i == end) {
      return new String(b, off, len, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    StringBuilder sb = new StringBuilder(len);
    for (int j = off; j < i; j++) {
      sb.append((char) b[j]);
    }
    while (i < end) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        sb.append((char) c);
        i++;
        continue;
      }
      int need;
      int cp;
      int lo = 0x80;
      int hi = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        if (c == 0xE0) {
          lo = 0xA0;
        } else if (c == 0xED && !surrogatePass) {
          hi = 0x9F;
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xF0) {
          lo = 0x90;
        } else if (c == 0xF4) {
          hi = 0x8F;
        }
      } else {
        return null;
      }
      if (end - i <= need) {
        return null;
      }
      for (int k = 1; k <= need; k++) {
        int cc = b[i + k] & 0xFF;
        if (k == 1 ? (cc < lo || cc > hi) : (cc < 0x80 || cc > 0xBF)) {
          return null;
        }
        cp = (cp << 6) | (cc & 0x3F);
      }
      sb.appendCodePoint(cp);
      i += need + 1;
    }
    return sb.toString();
  }

  /** UTF-8 with surrogatepass: a lone surrogate becomes three bytes {@code ED xx xx}. */
  static byte[] encode(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && s.charAt(i) < 0x80) {
      i++;
    }
    if (i == n) {
      return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(n + 16);
    for (int j = 0; j < i; j++) {
      out.write(s.charAt(j));
    }
    while (i < n) {
      char c = s.charAt(i);
      int cp = c;
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        cp = Character.toCodePoint(c, s.charAt(i + 1));
        i++;
      }
      i++;
      if (cp < 0x80) {
        out.write(cp);
      } else if (cp < 0x800) {
        out.write(0xC0 | (cp >> 6));
        out.write(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        out.write(0xE0 | (cp >> 12));
        out.write(0x80 | ((cp >> 6) & 0x3F));
        out.write(0x80 | (cp & 0x3F));
      } else {
        out.write(0xF0 | (cp >> 18));
        out.write(0x80 | ((cp >> 12) & 0x3F));
        out.write(0x80 | ((cp >> 6) & 0x3F));
        out.write(0x80 | (cp & 0x3F));
      }
    }
    return out.toByteArray();
  }
}
