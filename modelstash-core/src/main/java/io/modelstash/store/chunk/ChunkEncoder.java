package io.modelstash.store.chunk;

import io.modelstash.store.name.Digest;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** Frames raw chunk bytes as a chunk object (layout in {@code package-info}). Stateless. */
public final class ChunkEncoder {

  private ChunkEncoder() {}

  /**
   * Encodes {@code raw} with {@code codec}, or stores it unencoded when the codec's payload is not
   * smaller than {@code raw}. Names the chunk by the SHA-256 of {@code raw}.
   *
   * @throws IllegalArgumentException if {@code raw} is longer than {@link
   *     ChunkFormat#MAX_RAW_LENGTH}
   */
  public static EncodedChunk encode(byte[] raw, ChunkCodec codec) {
    if (raw.length > ChunkFormat.MAX_RAW_LENGTH) {
      throw new IllegalArgumentException(
          "Cannot encode a chunk of "
              + raw.length
              + " bytes: at most "
              + ChunkFormat.MAX_RAW_LENGTH
              + " are allowed (use smaller chunks)");
    }
    Digest id = Digest.of(raw);
    ChunkCodec used = codec;
    byte[] payload = codec.id() == StoredCodec.ID ? raw : codec.encode(raw);
    if (payload.length >= raw.length) {
      used = StoredCodec.INSTANCE;
      payload = raw;
    }
    return new EncodedChunk(id, used.id(), raw.length, frame(used.id(), raw.length, payload));
  }

  private static byte[] frame(int codecId, int rawLength, byte[] payload) {
    int total = ChunkFormat.HEADER_LENGTH + payload.length + ChunkFormat.FOOTER_LENGTH;
    ByteBuffer out = ByteBuffer.allocate(total);
    out.putInt(ChunkFormat.MAGIC);
    out.put((byte) ChunkFormat.VERSION);
    out.put((byte) codecId);
    out.put((byte) 0);
    out.putLong(rawLength);
    out.putLong(payload.length);
    out.put(payload);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), 0, out.position());
    out.putInt((int) crc.getValue());
    return out.array();
  }
}
