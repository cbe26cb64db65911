package io.modelstash.store.chunk;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import io.modelstash.store.blob.CorruptObjectException;

/**
 * Codec 5: one zstd frame compressed with the base chunk's raw bytes as a raw-content dictionary,
 * as {@code zstd --patch-from} does. Made for the bytes around the tensors: a version's pickle, zip
 * headers and small tensors repeat most of its base's, which plain zstd cannot see from inside one
 * chunk. Unlike the grouped deltas, the base may have any length (content-defined chunks of two
 * versions rarely have the same), and insertions or moves cost little.
 *
 * <p>zstd reads a dictionary that starts with its dictionary magic number ({@code 37 a4 30 ec}) as
 * a trained dictionary, not as content. Such a base is refused by both sides, so the dictionary is
 * always raw content and a payload means the same to every reader.
 */
public final class PatchCodec implements DeltaCodec {

  /** This codec's id. */
  public static final int ID = ChunkFormat.CODEC_PATCH;

  private static final int DICT_MAGIC = 0xec30a437;

  /** Compression level: zstd's {@link ZstdCodec#DEFAULT_LEVEL}; any level decodes. */
  private static final int LEVEL = ZstdCodec.DEFAULT_LEVEL;

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "patch";
  }

  /**
   * Whether {@code base} can serve as this codec's dictionary: everything except bytes that start
   * with zstd's dictionary magic number.
   */
  public static boolean accepts(byte[] base) {
    return base.length < 4 || littleEndianInt(base) != DICT_MAGIC;
  }

  private static int littleEndianInt(byte[] b) {
    return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
  }

  /**
   * @throws IllegalArgumentException if {@code base} is not {@linkplain #accepts acceptable}
   */
  @Override
  public byte[] encode(byte[] raw, byte[] base) {
    if (!accepts(base)) {
      throw new IllegalArgumentException(
          "Cannot patch-encode against a base that starts with zstd's dictionary magic number");
    }
    try (ZstdCompressCtx ctx = new ZstdCompressCtx()) {
      ctx.setLevel(LEVEL);
      ctx.setContentSize(true);
      ctx.setDictID(false);
      if (base.length > 0) {
        ctx.loadDict(base);
      }
      return ctx.compress(raw);
    }
  }

  @Override
  public byte[] decode(byte[] payload, byte[] base, int rawLength) throws CorruptObjectException {
    if (!accepts(base)) {
      throw new CorruptObjectException(
          "patch payload names a base that starts with zstd's dictionary magic number, which no"
              + " writer uses");
    }
    byte[] out = new byte[rawLength];
    int n;
    try (ZstdDecompressCtx ctx = new ZstdDecompressCtx()) {
      if (base.length > 0) {
        ctx.loadDict(base);
      }
      n = ctx.decompressByteArray(out, 0, rawLength, payload, 0, payload.length);
    } catch (RuntimeException e) {
      // zstd-jni reports a bad frame as ZstdException, a RuntimeException
      throw new CorruptObjectException("patch payload is invalid: " + e.getMessage(), e);
    }
    if (n != rawLength) {
      throw new CorruptObjectException(
          "patch payload decodes to " + n + " bytes, expected " + rawLength);
    }
    return out;
  }

  @Override
  public String toString() {
    return "patch(zstd level " + LEVEL + ")";
  }
}
