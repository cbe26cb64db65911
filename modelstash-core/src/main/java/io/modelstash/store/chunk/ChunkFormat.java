package io.modelstash.store.chunk;

/** Constants of the chunk object format; the layout is documented in {@code package-info}. */
public final class ChunkFormat {

  /** The first four bytes of every chunk object: ASCII {@code MSCK}. */
  public static final int MAGIC = 0x4d53434b;

  /** The format version this code writes and the newest it reads. */
  public static final int VERSION = 4;

  /** The oldest format version this code reads. */
  public static final int OLDEST_VERSION = 1;

  /** Length of the header without a base digest. */
  public static final int HEADER_LENGTH = 23;

  /** Length of the CRC-32C footer. */
  public static final int FOOTER_LENGTH = 4;

  /** Flag bit: a base digest follows the fixed header. */
  public static final int FLAG_BASE = 1;

  /** Codec id: the payload is the raw bytes ({@link StoredCodec}). */
  public static final int CODEC_STORED = 0;

  /** Codec id: one zstd frame ({@link ZstdCodec}). */
  public static final int CODEC_ZSTD = 1;

  /** Codec id: byte-grouped streams ({@link ByteGroupingCodec}); new in version 1, see history. */
  public static final int CODEC_BYTE_GROUPING = 2;

  /** Codec id: XOR delta against a base chunk, byte-grouped ({@link XorDeltaCodec}). */
  public static final int CODEC_XOR_DELTA = 3;

  /** Codec id: subtract delta against a base chunk, byte-grouped ({@link SubtractDeltaCodec}). */
  public static final int CODEC_SUBTRACT_DELTA = 4;

  /**
   * Codec id: zstd with a base chunk of any length as its dictionary ({@link PatchCodec}); new in
   * version 3.
   */
  public static final int CODEC_PATCH = 5;

  /**
   * Codec id: subtract delta against a base chunk, coded by magnitude ({@link
   * MagnitudeDeltaCodec}); new in version 4.
   */
  public static final int CODEC_MAGNITUDE_DELTA = 6;

  /**
   * Largest raw length a chunk may have (64 MiB). Chunkers stay far below it; readers refuse larger
   * declared lengths before allocating.
   */
  public static final int MAX_RAW_LENGTH = 64 << 20;

  private ChunkFormat() {}
}
