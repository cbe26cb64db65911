package io.modelstash.store.chunk;

import com.github.luben.zstd.Zstd;
import io.modelstash.store.blob.CorruptObjectException;

/** Codec 1: one zstd frame (zstd-jni). The level only affects encoding; any level decodes. */
public final class ZstdCodec implements ChunkCodec {

  /** This codec's id. */
  public static final int ID = ChunkFormat.CODEC_ZSTD;

  /** The level used unless another is configured: fast, and within a few percent of level 9. */
  public static final int DEFAULT_LEVEL = 3;

  private final int level;

  /** A codec at {@link #DEFAULT_LEVEL}. */
  public ZstdCodec() {
    this(DEFAULT_LEVEL);
  }

  /**
   * A codec at {@code level}.
   *
   * @throws IllegalArgumentException if zstd does not support the level
   */
  public ZstdCodec(int level) {
    int min = Zstd.minCompressionLevel();
    int max = Zstd.maxCompressionLevel();
    if (level < min || level > max) {
      throw new IllegalArgumentException(
          "Invalid zstd level " + level + ": use " + min + " to " + max);
    }
    this.level = level;
  }

  /** The compression level. */
  public int level() {
    return level;
  }

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "zstd";
  }

  @Override
  public byte[] encode(byte[] raw) {
    return Zstd.compress(raw, level);
  }

  @Override
  public byte[] decode(byte[] payload, int rawLength) throws CorruptObjectException {
    byte[] out = new byte[rawLength];
    long n;
    try {
      n = Zstd.decompressByteArray(out, 0, rawLength, payload, 0, payload.length);
    } catch (RuntimeException e) {
      throw new CorruptObjectException("zstd payload is invalid: " + e.getMessage(), e);
    }
    if (Zstd.isError(n)) {
      throw new CorruptObjectException("zstd payload is invalid: " + Zstd.getErrorName(n));
    }
    if (n != rawLength) {
      throw new CorruptObjectException(
          "zstd payload decodes to " + n + " bytes, expected " + rawLength);
    }
    return out;
  }

  @Override
  public String toString() {
    return "zstd(level " + level + ")";
  }
}
