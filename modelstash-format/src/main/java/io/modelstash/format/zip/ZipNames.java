package io.modelstash.format.zip;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The entry-name policy shared by reader and writer. Names are only ever looked up exactly, never
 * turned into paths, but we still refuse every form that some other tool could resolve to a
 * different place, so that all readers agree on what an archive contains.
 */
final class ZipNames {
  private ZipNames() {}

  /** Decodes strict UTF-8 (no malformed, overlong or surrogate sequences), or returns null. */
  static String decode(byte[] raw) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  /**
   * Returns why {@code name} is not acceptable as an entry name, or null if it is. A trailing '/'
   * (a directory entry, as re-zipping tools write) is allowed; empty segments elsewhere are not.
   */
  static String problem(String name) {
    if (name.isEmpty()) {
      return "the name is empty";
    }
    if (name.indexOf('\0') >= 0) {
      return "the name contains a NUL character";
    }
    if (name.indexOf('\\') >= 0) {
      return "the name contains a backslash";
    }
    if (name.startsWith("/")) {
      return "the name is an absolute path";
    }
    String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    for (String segment : body.split("/", -1)) {
      if (segment.isEmpty()) {
        return "the name has an empty path segment";
      }
      if (segment.equals(".") || segment.equals("..")) {
        return "the name has a '" + segment + "' path segment";
      }
    }
    return null;
  }

  /** A printable, bounded rendering of a name for error messages. */
  static String quote(String name) {
    StringBuilder sb = new StringBuilder("'");
    int limit = Math.min(name.length(), 200);
    for (int i = 0; i < limit; i++) {
      char c = name.charAt(i);
      if (c < 0x20 || c == 0x7F) {
        sb.append(String.format("\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    if (limit < name.length()) {
      sb.append("...");
    }
    return sb.append('\'').toString();
  }
}
