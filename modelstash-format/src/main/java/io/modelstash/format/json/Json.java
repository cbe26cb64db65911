package io.modelstash.format.json;

import io.modelstash.format.FormatException;

/**
 * Entry point of the JSON package: {@link #parse strict parsing} of UTF-8 bytes into plain Java
 * values and {@link #serialize compact serialization} back (see the package documentation for the
 * value mapping).
 *
 * <p>The parser accepts exactly RFC 8259 JSON text and refuses, with a {@link FormatException}
 * naming the byte offset: invalid UTF-8 (overlong forms, encoded surrogates, code points above
 * U+10FFFF), a byte order mark, raw control characters in strings, invalid escapes, escapes that
 * leave a surrogate unpaired, leading zeros, {@code NaN} and other non-JSON literals, duplicate
 * object keys, trailing data after the value, and anything beyond its {@link Limits}. Whitespace
 * (space, tab, CR, LF) is allowed around every token, including before and after the whole value.
 * It never throws anything but {@link FormatException} on bad input and never recurses deeper than
 * {@link Limits#maxDepth()}.
 *
 * <p>The serializer writes no whitespace, escapes {@code "} and {@code \} with a backslash, the
 * control characters U+0008, U+0009, U+000A, U+000C, U+000D as {@code \b \t \n \f \r} and the other
 * ones below U+0020 as lower-case {@code \}{@code u00xx}, and writes every other character as is:
 * byte for byte what Rust's {@code serde_json} writes.
 */
public final class Json {

  /**
   * The deepest nesting {@link Limits} may allow; keeps the recursive parser off the stack limit.
   */
  public static final int MAX_SUPPORTED_DEPTH = 512;

  /**
   * Bounds on what one {@link #parse} call accepts, so that hostile input cannot exhaust the stack
   * or the heap.
   *
   * @param maxDepth the deepest nesting of arrays and objects (1 allows {@code [1]} but not {@code
   *     [[1]]}), at most {@link #MAX_SUPPORTED_DEPTH}
   * @param maxInputBytes the longest input accepted
   * @param maxTreeBytes an upper estimate of the heap the parsed tree may retain; the parser
   *     charges each string, number, container and entry against it before allocating, so that
   *     inputs like {@code {"a":{},"b":{},...}}, whose tree is 20 times larger than the text, are
   *     refused early
   */
  public record Limits(int maxDepth, int maxInputBytes, long maxTreeBytes) {
    /** Depth 64, 16 MiB of input, 64 MiB of estimated tree. */
    public static final Limits DEFAULT = new Limits(64, 16 << 20, 64L << 20);

    public Limits {
      if (maxDepth < 1 || maxDepth > MAX_SUPPORTED_DEPTH) {
        throw new IllegalArgumentException(
            "maxDepth must be in [1, " + MAX_SUPPORTED_DEPTH + "], was " + maxDepth);
      }
      if (maxInputBytes < 0 || maxTreeBytes < 0) {
        throw new IllegalArgumentException("limits must not be negative");
      }
    }
  }

  private Json() {}

  /** Parses a whole JSON text with {@link Limits#DEFAULT}. */
  public static Object parse(byte[] utf8) throws FormatException {
    return parse(utf8, Limits.DEFAULT);
  }

  /** Parses a whole JSON text: exactly one value, optionally surrounded by whitespace. */
  public static Object parse(byte[] utf8, Limits limits) throws FormatException {
    return JsonParser.parse(utf8, limits);
  }

  /**
   * The compact JSON text of {@code value}.
   *
   * @throws IllegalArgumentException if {@code value} contains something with no JSON form: a type
   *     outside the package mapping ({@link Double} included: use {@link java.math.BigDecimal}), a
   *     non-string map key, a {@code null} reference, a string with an unpaired surrogate, or
   *     nesting deeper than {@link Limits#DEFAULT} allows (which also stops cycles)
   */
  public static String serialize(Object value) {
    return JsonSerializer.serialize(value, Limits.DEFAULT.maxDepth());
  }

  /**
   * {@code s} as a JSON string literal for diagnostics: escaped like {@link #serialize}, except
   * that unpaired surrogates are shown as {@code \}{@code uXXXX} instead of being refused, and
   * strings longer than {@code maxChars} are cut with {@code ...} after the closing quote. The
   * result is always one line.
   */
  public static String quote(String s, int maxChars) {
    return JsonSerializer.quote(s, maxChars);
  }
}
