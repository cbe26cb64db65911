package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Checks and decodes chunk objects (layout in {@code package-info}). Thread-safe.
 *
 * <p>{@link #decode} returns the raw bytes only if every check passes, including that their SHA-256
 * is the chunk's expected name; otherwise it throws {@link CorruptObjectException} whose message
 * names the chunk. A delta chunk needs its base: {@link #decode(byte[], Digest, BaseLoader)}
 * fetches it, and the base's own integrity is covered by the final SHA-256 check, since a wrong
 * base cannot yield the expected bytes.
 */
public final class ChunkDecoder {

  private static final ChunkDecoder STANDARD = new ChunkDecoder(ChunkCodecRegistry.standard());

  private final ChunkCodecRegistry codecs;

  /** A decoder that knows the codecs in {@code codecs}. */
  public ChunkDecoder(ChunkCodecRegistry codecs) {
    this.codecs = codecs;
  }

  /** A decoder for the {@linkplain ChunkCodecRegistry#standard() standard} codecs. */
  public static ChunkDecoder standard() {
    return STANDARD;
  }

  /**
   * Decodes the chunk object {@code object}, which must hold the chunk named {@code expected} and
   * must not be a delta.
   *
   * @throws CorruptObjectException if the object fails any check, or is a delta (which needs {@link
   *     #decode(byte[], Digest, BaseLoader)})
   */
  public byte[] decode(byte[] object, Digest expected) throws CorruptObjectException {
    ChunkHeader h = header(object, expected);
    if (h.base().isPresent()) {
      checkKnownDeltaCodec(h, expected);
      throw new CorruptObjectException(
          "Chunk "
              + expected
              + " is a delta against chunk "
              + h.base().get()
              + " and cannot be decoded without it (decode it with a BaseLoader)");
    }
    return decodePlain(object, h, expected);
  }

  /**
   * Decodes the chunk object {@code object}, which must hold the chunk named {@code expected}; if
   * it is a delta, fetches its base through {@code bases}.
   *
   * @throws CorruptObjectException if the object fails any check, or the base has the wrong length
   * @throws IOException if {@code bases} fails
   */
  public byte[] decode(byte[] object, Digest expected, BaseLoader bases) throws IOException {
    ChunkHeader h = header(object, expected);
    if (h.base().isEmpty()) {
      return decodePlain(object, h, expected);
    }
    DeltaCodec codec = checkKnownDeltaCodec(h, expected);
    byte[] base = bases.load(h.base().get());
    byte[] raw;
    try {
      raw = codec.decode(payload(object, h), base, h.rawLength());
    } catch (CorruptObjectException e) {
      throw new CorruptObjectException(
          "Chunk " + expected + " is corrupt: " + e.getMessage() + " (base " + h.base().get() + ")",
          e);
    }
    return check(raw, h, expected, codec.name());
  }

  private DeltaCodec checkKnownDeltaCodec(ChunkHeader h, Digest expected)
      throws CorruptObjectException {
    Optional<DeltaCodec> codec = codecs.deltaById(h.codecId());
    if (codec.isPresent()) {
      return codec.get();
    }
    if (codecs.byId(h.codecId()).isPresent()) {
      throw corrupt(
          expected, "codec " + h.codecId() + " does not use a base chunk, but one is set");
    }
    throw unknownCodec(h, expected);
  }

  private byte[] decodePlain(byte[] object, ChunkHeader h, Digest expected)
      throws CorruptObjectException {
    Optional<ChunkCodec> codec = codecs.byId(h.codecId());
    if (codec.isEmpty()) {
      if (codecs.deltaById(h.codecId()).isPresent()) {
        throw corrupt(
            expected, "codec " + h.codecId() + " is a delta codec, but no base chunk is set");
      }
      throw unknownCodec(h, expected);
    }
    byte[] raw;
    try {
      raw = codec.get().decode(payload(object, h), h.rawLength());
    } catch (CorruptObjectException e) {
      throw new CorruptObjectException("Chunk " + expected + " is corrupt: " + e.getMessage(), e);
    }
    return check(raw, h, expected, codec.get().name());
  }

  private static byte[] payload(byte[] object, ChunkHeader h) {
    return Arrays.copyOfRange(object, h.payloadOffset(), h.payloadOffset() + h.encodedLength());
  }

  private static CorruptObjectException unknownCodec(ChunkHeader h, Digest expected) {
    return corrupt(
        expected,
        "unknown codec id " + h.codecId() + " (it may have been written by a newer modelstash)");
  }

  private static byte[] check(byte[] raw, ChunkHeader h, Digest expected, String codecName)
      throws CorruptObjectException {
    if (raw.length != h.rawLength()) {
      throw corrupt(
          expected, codecName + " decoded " + raw.length + " bytes, expected " + h.rawLength());
    }
    Digest actual = Digest.of(raw);
    if (!actual.equals(expected)) {
      throw corrupt(expected, "expected sha256 " + expected + ", actual " + actual);
    }
    return raw;
  }

  /**
   * Checks the magic, version, CRC-32C, flags and lengths of {@code object} and returns its header
   * without decoding the payload.
   *
   * @param name the chunk's name, for messages
   * @throws CorruptObjectException if a check fails
   */
  public ChunkHeader header(byte[] object, Digest name) throws CorruptObjectException {
    int min = ChunkFormat.HEADER_LENGTH + ChunkFormat.FOOTER_LENGTH;
    if (object.length < min) {
      throw corrupt(name, "it has " + object.length + " bytes, a chunk object has at least " + min);
    }
    ByteBuffer in = ByteBuffer.wrap(object);
    int magic = in.getInt();
    if (magic != ChunkFormat.MAGIC) {
      throw corrupt(
          name,
          String.format(
              "expected magic 4d53434b ('MSCK'), actual %08x at offset 0", magic & 0xffffffffL));
    }
    int version = in.get() & 0xff;
    if (version > ChunkFormat.VERSION) {
      throw new CorruptObjectException(
          "Chunk "
              + name
              + " was written by a newer modelstash (chunk format version "
              + version
              + " > "
              + ChunkFormat.VERSION
              + "); upgrade modelstash to read it");
    }
    if (version < ChunkFormat.OLDEST_VERSION) {
      throw corrupt(name, "format version " + version + " at offset 4 does not exist");
    }
    int footerAt = object.length - ChunkFormat.FOOTER_LENGTH;
    CRC32C crc = new CRC32C();
    crc.update(object, 0, footerAt);
    int stored = ByteBuffer.wrap(object, footerAt, ChunkFormat.FOOTER_LENGTH).getInt();
    if (stored != (int) crc.getValue()) {
      throw corrupt(
          name,
          String.format(
              "CRC-32C mismatch: footer says %08x, content has %08x",
              stored & 0xffffffffL, crc.getValue()));
    }
    int codecId = in.get() & 0xff;
    int flags = in.get() & 0xff;
    if ((flags & ~ChunkFormat.FLAG_BASE) != 0) {
      throw corrupt(name, String.format("unknown flags %02x at offset 6", flags));
    }
    long rawLength = in.getLong();
    long encodedLength = in.getLong();
    Optional<Digest> base = Optional.empty();
    if ((flags & ChunkFormat.FLAG_BASE) != 0) {
      if (object.length < min + Digest.BYTES) {
        throw corrupt(name, "the base digest is cut off (" + object.length + " bytes)");
      }
      byte[] b = new byte[Digest.BYTES];
      in.get(b);
      base = Optional.of(Digest.fromBytes(b));
    }
    if (rawLength < 0 || rawLength > ChunkFormat.MAX_RAW_LENGTH) {
      throw corrupt(
          name,
          "raw length "
              + Long.toUnsignedString(rawLength)
              + " exceeds the limit of "
              + ChunkFormat.MAX_RAW_LENGTH);
    }
    int payloadOffset = in.position();
    long available = (long) object.length - payloadOffset - ChunkFormat.FOOTER_LENGTH;
    if (encodedLength != available) {
      throw corrupt(
          name,
          "encoded length "
              + Long.toUnsignedString(encodedLength)
              + " at offset 15 does not match the "
              + available
              + " payload bytes present");
    }
    return new ChunkHeader(
        version, codecId, (int) rawLength, (int) encodedLength, base, payloadOffset);
  }

  private static CorruptObjectException corrupt(Digest name, String reason) {
    return new CorruptObjectException("Chunk " + name + " is corrupt: " + reason);
  }
}
