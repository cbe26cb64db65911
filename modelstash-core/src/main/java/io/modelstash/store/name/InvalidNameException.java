package io.modelstash.store.name;

/**
 * Thrown when user input is not a valid model path, ref, alias name, version number or digest.
 *
 * <p>The message is one line, quotes the offending input (shortened and with control characters
 * escaped, so hostile input cannot garble a terminal) and says what is allowed.
 */
public final class InvalidNameException extends IllegalArgumentException {

  private static final int MAX_QUOTED = 80;

  InvalidNameException(String message) {
    super(message);
  }

  /** Quotes {@code input} for an error message: at most 80 characters, non-printables escaped. */
  static String quote(String input) {
    StringBuilder out = new StringBuilder("'");
    int limit = Math.min(input.length(), MAX_QUOTED);
    for (int i = 0; i < limit; i++) {
      char c = input.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && Character.isISOControl(c))) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (input.length() > MAX_QUOTED) {
      out.append("...");
    }
    return out.append('\'').toString();
  }
}
