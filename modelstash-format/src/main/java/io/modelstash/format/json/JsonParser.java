package io.modelstash.format.json;

import io.modelstash.format.FormatException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Recursive-descent parser over UTF-8 bytes; see {@link Json} for what it accepts. Recursion is
 * bounded by {@link Json.Limits#maxDepth()}, allocation by {@link Json.Limits#maxTreeBytes()}.
 */
final class JsonParser {
  // Upper estimates of the retained heap per parsed item (64-bit JVM, compressed oops); they only
  // need to keep a hostile document from growing the tree far beyond the budget.
  private static final long CONTAINER_COST = 64;
  private static final long LIST_SLOT_COST = 8;
  private static final long MAP_ENTRY_COST = 48;
  private static final long STRING_COST = 40;
  private static final long LONG_COST = 16;
  private static final long BIG_NUMBER_COST = 48;

  /** Longer number literals are refused: BigInteger parsing is quadratic in the digit count. */
  static final int MAX_NUMBER_CHARS = 1000;

  private static final int MAX_SCRATCH_CHARS = 4096;

  private final byte[] in;
  private final int maxDepth;
  private final long maxTreeBytes;
  private long budget;
  private int pos;
  private char[] scratch = new char[64];

  private JsonParser(byte[] in, Json.Limits limits) {
    this.in = in;
    this.maxDepth = limits.maxDepth();
    this.maxTreeBytes = limits.maxTreeBytes();
    this.budget = limits.maxTreeBytes();
  }

  static Object parse(byte[] utf8, Json.Limits limits) throws FormatException {
    Objects.requireNonNull(utf8, "utf8");
    Objects.requireNonNull(limits, "limits");
    if (utf8.length > limits.maxInputBytes()) {
      throw new FormatException(
          "Cannot parse JSON: input has "
              + utf8.length
              + " bytes, more than the limit of "
              + limits.maxInputBytes());
    }
    JsonParser parser = new JsonParser(utf8, limits);
    parser.skipWhitespace();
    Object value = parser.value(0);
    parser.skipWhitespace();
    if (parser.pos != utf8.length) {
      throw parser.error("unexpected " + parser.describe(parser.pos) + " after the JSON value");
    }
    return value;
  }

  private Object value(int depth) throws FormatException {
    if (pos >= in.length) {
      throw error("unexpected end of input, expected a value");
    }
    switch (in[pos]) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return string();
      case 't':
        literal("true");
        return Boolean.TRUE;
      case 'f':
        literal("false");
        return Boolean.FALSE;
      case 'n':
        literal("null");
        return JsonNull.INSTANCE;
      default:
        if (in[pos] == '-' || isDigit(pos)) {
          return number();
        }
        throw error("unexpected " + describe(pos) + ", expected a value");
    }
  }

  private Map<String, Object> object(int depth) throws FormatException {
    enter(depth);
    charge(CONTAINER_COST);
    pos++;
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    while (true) {
      if (peek() != '"') {
        throw error("unexpected " + describe(pos) + ", expected a string key");
      }
      int keyAt = pos;
      String key = string();
      if (map.containsKey(key)) {
        pos = keyAt;
        throw error("duplicate key " + Json.quote(key, 80) + " (keys must be unique)");
      }
      skipWhitespace();
      expect(':');
      skipWhitespace();
      charge(MAP_ENTRY_COST);
      map.put(key, value(depth));
      skipWhitespace();
      int c = peek();
      if (c == ',') {
        pos++;
        skipWhitespace();
      } else if (c == '}') {
        pos++;
        return map;
      } else {
        throw error("unexpected " + describe(pos) + ", expected ',' or '}'");
      }
    }
  }

  private List<Object> array(int depth) throws FormatException {
    enter(depth);
    charge(CONTAINER_COST);
    pos++;
    List<Object> list = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    while (true) {
      charge(LIST_SLOT_COST);
      list.add(value(depth));
      skipWhitespace();
      int c = peek();
      if (c == ',') {
        pos++;
        skipWhitespace();
      } else if (c == ']') {
        pos++;
        return list;
      } else {
        throw error("unexpected " + describe(pos) + ", expected ',' or ']'");
      }
    }
  }

  private String string() throws FormatException {
    int start = pos;
    // First pass: find the closing quote so the budget is charged before anything is allocated.
    boolean plainAscii = true;
    int p = start + 1;
    while (true) {
      if (p >= in.length) {
        throw errorAt(start, "unterminated string");
      }
      int b = in[p] & 0xFF;
      if (b == '"') {
        break;
      }
      if (b == '\\') {
        plainAscii = false;
        p += 2;
      } else if (b < 0x20) {
        throw errorAt(p, String.format(Locale.ROOT, "raw control character 0x%02X in string", b));
      } else {
        plainAscii &= b < 0x80;
        p++;
      }
    }
    int end = p;
    int length = end - start - 1;
    charge(STRING_COST + 2L * length);
    if (plainAscii) {
      pos = end + 1;
      return new String(in, start + 1, length, StandardCharsets.ISO_8859_1);
    }
    // Reuse one buffer for short strings; a long one gets its own, freed with it.
    if (scratch.length < length && length <= MAX_SCRATCH_CHARS) {
      scratch = new char[MAX_SCRATCH_CHARS];
    }
    char[] out = length <= scratch.length ? scratch : new char[length];
    int n = 0;
    int i = start + 1;
    while (i < end) {
      int b = in[i] & 0xFF;
      if (b == '\\') {
        int escape = in[i + 1] & 0xFF;
        switch (escape) {
          case '"':
          case '\\':
          case '/':
            out[n++] = (char) escape;
            break;
          case 'b':
            out[n++] = '\b';
            break;
          case 'f':
            out[n++] = '\f';
            break;
          case 'n':
            out[n++] = '\n';
            break;
          case 'r':
            out[n++] = '\r';
            break;
          case 't':
            out[n++] = '\t';
            break;
          case 'u':
            char unit = hex4(i + 2, end);
            if (Character.isHighSurrogate(unit)
                && i + 12 <= end
                && in[i + 6] == '\\'
                && in[i + 7] == 'u'
                && Character.isLowSurrogate(hex4(i + 8, end))) {
              out[n++] = unit;
              out[n++] = hex4(i + 8, end);
              i += 6;
            } else if (Character.isSurrogate(unit)) {
              throw errorAt(
                  i,
                  String.format(
                      Locale.ROOT,
                      "unpaired surrogate \\u%04X in string (JSON strings must be valid Unicode)",
                      (int) unit));
            } else {
              out[n++] = unit;
            }
            i += 4;
            break;
          default:
            throw errorAt(i, "invalid escape \\" + describe(i + 1));
        }
        i += 2;
      } else if (b < 0x80) {
        out[n++] = (char) b;
        i++;
      } else {
        int codePoint = utf8(i, end);
        int width = codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
        n += Character.toChars(codePoint, out, n);
        i += width;
      }
    }
    pos = end + 1;
    return new String(out, 0, n);
  }

  /** Decodes the strict UTF-8 sequence at {@code i} (RFC 3629), or fails naming the offset. */
  private int utf8(int i, int end) throws FormatException {
    int b0 = in[i] & 0xFF;
    int count;
    int min2 = 0x80;
    int max2 = 0xBF;
    int codePoint;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      count = 1;
      codePoint = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      count = 2;
      codePoint = b0 & 0x0F;
      // E0 would be overlong below A0; ED A0..BF would encode a surrogate.
      min2 = b0 == 0xE0 ? 0xA0 : 0x80;
      max2 = b0 == 0xED ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      count = 3;
      codePoint = b0 & 0x07;
      // F0 would be overlong below 90; F4 90.. would exceed U+10FFFF.
      min2 = b0 == 0xF0 ? 0x90 : 0x80;
      max2 = b0 == 0xF4 ? 0x8F : 0xBF;
    } else {
      throw errorAt(i, String.format(Locale.ROOT, "invalid UTF-8 lead byte 0x%02X", b0));
    }
    for (int k = 1; k <= count; k++) {
      int at = i + k;
      int b = at < end ? in[at] & 0xFF : -1;
      int lo = k == 1 ? min2 : 0x80;
      int hi = k == 1 ? max2 : 0xBF;
      if (b < lo || b > hi) {
        throw errorAt(
            i, String.format(Locale.ROOT, "invalid UTF-8 sequence starting with 0x%02X", b0));
      }
      codePoint = (codePoint << 6) | (b & 0x3F);
    }
    return codePoint;
  }

  private char hex4(int at, int end) throws FormatException {
    if (at + 4 > end) {
      throw errorAt(at - 2, "truncated \\u escape");
    }
    int value = 0;
    for (int k = 0; k < 4; k++) {
      int digit = Character.digit(in[at + k] & 0xFF, 16);
      if (digit < 0 || (in[at + k] & 0xFF) >= 0x80) {
        throw errorAt(at - 2, "invalid \\u escape, expected four hex digits");
      }
      value = (value << 4) | digit;
    }
    return (char) value;
  }

  private Object number() throws FormatException {
    int start = pos;
    int p = pos;
    if (in[p] == '-') {
      p++;
    }
    if (!isDigit(p)) {
      throw errorAt(p, "unexpected " + describe(p) + ", expected a digit");
    }
    if (in[p] == '0') {
      p++;
      if (isDigit(p)) {
        throw errorAt(start, "number with a leading zero");
      }
    } else {
      p = skipDigits(p);
    }
    boolean integral = true;
    if (p < in.length && in[p] == '.') {
      integral = false;
      p = requireDigits(p + 1);
    }
    if (p < in.length && (in[p] == 'e' || in[p] == 'E')) {
      integral = false;
      p++;
      if (p < in.length && (in[p] == '+' || in[p] == '-')) {
        p++;
      }
      p = requireDigits(p);
    }
    int length = p - start;
    if (length > MAX_NUMBER_CHARS) {
      throw errorAt(start, "number longer than " + MAX_NUMBER_CHARS + " characters");
    }
    String text = new String(in, start, length, StandardCharsets.ISO_8859_1);
    pos = p;
    if (integral) {
      // Up to 18 characters (sign included) always fits in a long.
      if (length <= 18) {
        charge(LONG_COST);
        return Long.parseLong(text);
      }
      BigInteger big = new BigInteger(text);
      if (big.bitLength() < 64) {
        charge(LONG_COST);
        return big.longValue();
      }
      charge(BIG_NUMBER_COST + length);
      return big;
    }
    charge(BIG_NUMBER_COST + length);
    try {
      return new BigDecimal(text);
    } catch (NumberFormatException e) {
      throw errorAt(start, "number exponent out of range");
    }
  }

  private int requireDigits(int p) throws FormatException {
    if (!isDigit(p)) {
      throw errorAt(p, "unexpected " + describe(p) + ", expected a digit");
    }
    return skipDigits(p);
  }

  private int skipDigits(int p) {
    while (isDigit(p)) {
      p++;
    }
    return p;
  }

  private boolean isDigit(int p) {
    return p < in.length && in[p] >= '0' && in[p] <= '9';
  }

  private void literal(String word) throws FormatException {
    for (int k = 0; k < word.length(); k++) {
      if (pos + k >= in.length || in[pos + k] != word.charAt(k)) {
        throw error("invalid literal, expected " + word);
      }
    }
    pos += word.length();
  }

  private void enter(int depth) throws FormatException {
    if (depth > maxDepth) {
      throw error("nesting deeper than " + maxDepth + " levels");
    }
  }

  private void charge(long cost) throws FormatException {
    budget -= cost;
    if (budget < 0) {
      throw error(
          "the parsed value would need more than the "
              + maxTreeBytes
              + "-byte memory budget (document too large)");
    }
  }

  private void expect(char c) throws FormatException {
    if (peek() != c) {
      throw error("unexpected " + describe(pos) + ", expected '" + c + "'");
    }
    pos++;
  }

  private int peek() {
    return pos < in.length ? in[pos] & 0xFF : -1;
  }

  private void skipWhitespace() {
    while (pos < in.length) {
      byte b = in[pos];
      if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
        return;
      }
      pos++;
    }
  }

  private String describe(int p) {
    if (p >= in.length) {
      return "end of input";
    }
    int b = in[p] & 0xFF;
    if (b > 0x20 && b < 0x7F) {
      return "'" + (char) b + "'";
    }
    return String.format(Locale.ROOT, "byte 0x%02X", b);
  }

  private FormatException error(String reason) {
    return errorAt(pos, reason);
  }

  private static FormatException errorAt(int offset, String reason) {
    return new FormatException("Cannot parse JSON at byte " + offset + ": " + reason);
  }
}
