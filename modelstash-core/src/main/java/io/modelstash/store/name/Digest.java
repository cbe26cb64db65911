package io.modelstash.store.name;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * A SHA-256 digest: the id of a chunk (the hash of its raw bytes), of a manifest, or of a whole
 * saved file.
 *
 * <p>Printed as 64 lowercase hex digits; {@link #parse} accepts exactly that and nothing else (no
 * upper case, no prefix, no whitespace). Immutable; compares by value.
 */
public final class Digest implements Comparable<Digest> {

  /** Length of a SHA-256 digest in bytes. */
  public static final int BYTES = 32;

  /** Length of the printed form. */
  public static final int HEX_LENGTH = 2 * BYTES;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final byte[] bytes;
  private final String hex;

  private Digest(byte[] bytes) {
    this.bytes = bytes;
    char[] out = new char[HEX_LENGTH];
    for (int i = 0; i < BYTES; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = HEX[bytes[i] & 0xf];
    }
    this.hex = new String(out);
  }

  /**
   * Parses 64 lowercase hex digits.
   *
   * @throws InvalidNameException for anything else
   */
  public static Digest parse(String text) {
    if (text.length() != HEX_LENGTH) {
      throw invalid(text, "it has " + text.length() + " characters, expected " + HEX_LENGTH);
    }
    byte[] out = new byte[BYTES];
    for (int i = 0; i < HEX_LENGTH; i++) {
      int v = hexValue(text.charAt(i));
      if (v < 0) {
        throw invalid(
            text,
            "character "
                + (i + 1)
                + " is "
                + InvalidNameException.quote(String.valueOf(text.charAt(i)))
                + ", expected a lowercase hex digit");
      }
      out[i / 2] |= (byte) (i % 2 == 0 ? v << 4 : v);
    }
    return new Digest(out);
  }

  /** Whether {@code text} is a printed digest, i.e. whether {@link #parse} would accept it. */
  public static boolean isValid(String text) {
    if (text.length() != HEX_LENGTH) {
      return false;
    }
    for (int i = 0; i < HEX_LENGTH; i++) {
      if (hexValue(text.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return -1;
  }

  private static InvalidNameException invalid(String text, String reason) {
    return new InvalidNameException(
        "Invalid sha256 digest "
            + InvalidNameException.quote(text)
            + ": "
            + reason
            + " (a digest is 64 lowercase hex digits)");
  }

  /** Wraps 32 digest bytes (copied). */
  public static Digest fromBytes(byte[] bytes) {
    if (bytes.length != BYTES) {
      throw new IllegalArgumentException(
          "A sha256 digest has " + BYTES + " bytes, got " + bytes.length);
    }
    return new Digest(bytes.clone());
  }

  /** The SHA-256 of {@code data}. */
  public static Digest of(byte[] data) {
    return of(data, 0, data.length);
  }

  /** The SHA-256 of {@code data[off, off+len)}. */
  public static Digest of(byte[] data, int off, int len) {
    Hasher h = hasher();
    h.update(data, off, len);
    return h.finish();
  }

  /** The SHA-256 of everything {@code in} yields until its end; does not close it. */
  public static Digest of(InputStream in) throws IOException {
    Hasher h = hasher();
    byte[] buf = new byte[64 * 1024];
    for (int n; (n = in.read(buf)) >= 0; ) {
      h.update(buf, 0, n);
    }
    return h.finish();
  }

  /** A new streaming hasher. */
  public static Hasher hasher() {
    return new Hasher();
  }

  /** The digest bytes (a copy). */
  public byte[] toBytes() {
    return bytes.clone();
  }

  /** The 64 lowercase hex digits. */
  public String hex() {
    return hex;
  }

  /** The first {@code n} hex digits, for display. */
  public String shortHex(int n) {
    return hex.substring(0, Math.min(n, HEX_LENGTH));
  }

  @Override
  public int compareTo(Digest other) {
    return Arrays.compareUnsigned(bytes, other.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest && Arrays.equals(((Digest) o).bytes, bytes);
  }

  @Override
  public int hashCode() {
    return ((bytes[0] & 0xff) << 24)
        | ((bytes[1] & 0xff) << 16)
        | ((bytes[2] & 0xff) << 8)
        | (bytes[3] & 0xff);
  }

  /** The 64 lowercase hex digits. */
  @Override
  public String toString() {
    return hex;
  }

  /**
   * Computes a SHA-256 incrementally. Not thread-safe; {@link #finish} may be called once, after
   * which the hasher is reset and can be reused.
   */
  public static final class Hasher {
    private final MessageDigest md;
    private long count;

    private Hasher() {
      try {
        md = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("Every Java platform must provide SHA-256", e);
      }
    }

    /** Adds {@code data}. */
    public Hasher update(byte[] data) {
      return update(data, 0, data.length);
    }

    /** Adds {@code data[off, off+len)}. */
    public Hasher update(byte[] data, int off, int len) {
      md.update(data, off, len);
      count += len;
      return this;
    }

    /** Adds the remaining bytes of {@code data}, consuming them. */
    public Hasher update(ByteBuffer data) {
      count += data.remaining();
      md.update(data);
      return this;
    }

    /** How many bytes were added since creation or the last {@link #finish}. */
    public long count() {
      return count;
    }

    /** The digest of everything added; resets the hasher. */
    public Digest finish() {
      count = 0;
      return new Digest(md.digest());
    }
  }
}
