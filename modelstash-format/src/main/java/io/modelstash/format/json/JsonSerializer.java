package io.modelstash.format.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/** Compact serializer; see {@link Json#serialize} for the exact output. */
final class JsonSerializer {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonSerializer() {}

  static String serialize(Object value, int maxDepth) {
    StringBuilder out = new StringBuilder();
    write(out, value, 0, maxDepth);
    return out.toString();
  }

  static String quote(String s, int maxChars) {
    StringBuilder out = new StringBuilder();
    int cut = s.length();
    if (cut > maxChars) {
      cut = Math.max(0, maxChars);
      // Keep a surrogate pair whole rather than showing half of it as an escape.
      if (cut > 0 && Character.isHighSurrogate(s.charAt(cut - 1))) {
        cut--;
      }
    }
    appendString(out, s, cut, false);
    if (cut < s.length()) {
      out.append("...");
    }
    return out.toString();
  }

  private static void write(StringBuilder out, Object value, int depth, int maxDepth) {
    if (value == null) {
      throw new IllegalArgumentException("Cannot serialize null; use JsonNull.INSTANCE");
    } else if (value instanceof String) {
      String s = (String) value;
      appendString(out, s, s.length(), true);
    } else if (value instanceof Map) {
      checkDepth(depth + 1, maxDepth);
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        if (!(e.getKey() instanceof String)) {
          throw new IllegalArgumentException(
              "Cannot serialize a map key of type "
                  + (e.getKey() == null ? "null" : e.getKey().getClass().getName())
                  + " (JSON keys are strings)");
        }
        if (!first) {
          out.append(',');
        }
        first = false;
        String key = (String) e.getKey();
        appendString(out, key, key.length(), true);
        out.append(':');
        write(out, e.getValue(), depth + 1, maxDepth);
      }
      out.append('}');
    } else if (value instanceof List) {
      checkDepth(depth + 1, maxDepth);
      out.append('[');
      boolean first = true;
      for (Object element : (List<?>) value) {
        if (!first) {
          out.append(',');
        }
        first = false;
        write(out, element, depth + 1, maxDepth);
      }
      out.append(']');
    } else if (value instanceof Long
        || value instanceof Integer
        || value instanceof Short
        || value instanceof Byte) {
      out.append(((Number) value).longValue());
    } else if (value instanceof BigInteger) {
      out.append(value);
    } else if (value instanceof BigDecimal) {
      String text = value.toString();
      out.append(text);
      // A scale-0 BigDecimal prints as a bare integer, which would parse back as a Long.
      if (text.indexOf('.') < 0 && text.indexOf('E') < 0) {
        out.append("E0");
      }
    } else if (value instanceof Boolean || value == JsonNull.INSTANCE) {
      out.append(value);
    } else {
      throw new IllegalArgumentException(
          "Cannot serialize a " + value.getClass().getName() + " as JSON");
    }
  }

  private static void checkDepth(int depth, int maxDepth) {
    if (depth > maxDepth) {
      throw new IllegalArgumentException(
          "Cannot serialize: nesting deeper than " + maxDepth + " levels (a cycle?)");
    }
  }

  /**
   * Appends {@code s[0, end)} as a string literal. Strict mode refuses unpaired surrogates;
   * diagnostic mode escapes them, and also DEL, C1 controls and line separators, to stay one line.
   */
  private static void appendString(StringBuilder out, String s, int end, boolean strict) {
    out.append('"');
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\f':
          out.append("\\f");
          break;
        case '\r':
          out.append("\\r");
          break;
        default:
          if (c < 0x20) {
            appendUnicodeEscape(out, c);
          } else if (Character.isHighSurrogate(c)
              && i + 1 < end
              && Character.isLowSurrogate(s.charAt(i + 1))) {
            out.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            if (strict) {
              throw new IllegalArgumentException(
                  "Cannot serialize a string with an unpaired surrogate at index " + i);
            }
            appendUnicodeEscape(out, c);
          } else if (!strict && (c >= 0x7F && c <= 0x9F || c == 0x2028 || c == 0x2029)) {
            appendUnicodeEscape(out, c);
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }

  private static void appendUnicodeEscape(StringBuilder out, char c) {
    out.append("\\u")
        .append(HEX[c >> 12])
        .append(HEX[(c >> 8) & 0xF])
        .append(HEX[(c >> 4) & 0xF])
        .append(HEX[c & 0xF]);
  }
}
