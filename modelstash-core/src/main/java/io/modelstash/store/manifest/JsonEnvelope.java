package io.modelstash.store.manifest;

import io.modelstash.store.blob.CorruptObjectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The framing shared by the store's JSON objects (manifests, version records): four magic bytes, a
 * format version byte, a u32 little-endian length, that many bytes of body, and a CRC-32C
 * (little-endian) of everything before it. The body is UTF-8 JSON, or for formats that compress it
 * (manifest format 2) whatever the format says; the envelope only frames and checks it.
 */
final class JsonEnvelope {
  private static final int HEADER = 9;
  private static final int FOOTER = 4;

  private JsonEnvelope() {}

  /** An object's format version and body, as the envelope holds them. */
  record Body(int version, byte[] bytes) {}

  static byte[] wrap(byte[] magic, int version, byte[] body) {
    ByteBuffer b =
        ByteBuffer.allocate(HEADER + body.length + FOOTER).order(ByteOrder.LITTLE_ENDIAN);
    b.put(magic).put((byte) version).putInt(body.length).put(body);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Checks the framing and returns the body, for formats whose body is the JSON itself.
   *
   * @param what names the object in messages, e.g. "Version record 3fa…"
   * @param kind names the format in messages, e.g. "record format"
   */
  static byte[] unwrap(
      byte[] data, byte[] magic, int maxVersion, long maxJson, String what, String kind)
      throws CorruptObjectException {
    return open(data, magic, maxVersion, maxJson, what, kind).bytes();
  }

  /**
   * Checks the framing (magic, a version no newer than {@code maxVersion}, length, checksum) and
   * returns the version and body.
   *
   * @param maxBody the largest body accepted; a longer declared length is corrupt
   * @param what names the object in messages, e.g. "Manifest 3fa…"
   * @param kind names the format in messages, e.g. "manifest format"
   */
  static Body open(
      byte[] data, byte[] magic, int maxVersion, long maxBody, String what, String kind)
      throws CorruptObjectException {
    if (data.length < HEADER + FOOTER || !Arrays.equals(data, 0, 4, magic, 0, 4)) {
      throw new CorruptObjectException(what + " is corrupt: bad magic or too short");
    }
    int version = data[4] & 0xFF;
    if (version > maxVersion) {
      throw new CorruptObjectException(
          what
              + " was written by a newer modelstash ("
              + kind
              + " "
              + version
              + " > "
              + maxVersion
              + "); upgrade modelstash");
    }
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    long length = b.getInt(5) & 0xFFFFFFFFL;
    if (length > maxBody || HEADER + length + FOOTER != data.length) {
      throw new CorruptObjectException(
          what
              + " is corrupt: expected "
              + (HEADER + length + FOOTER)
              + " bytes, actual "
              + data.length);
    }
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - FOOTER);
    if ((int) crc.getValue() != b.getInt(data.length - FOOTER)) {
      throw new CorruptObjectException(what + " is corrupt: checksum mismatch");
    }
    return new Body(version, Arrays.copyOfRange(data, HEADER, data.length - FOOTER));
  }
}
