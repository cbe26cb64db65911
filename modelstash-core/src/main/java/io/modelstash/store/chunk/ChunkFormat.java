package io.modelstash.store.chunk;

/** Constants of the chunk object format; the layout is documented in {@code package-info}. */
public final class ChunkFormat {

  /** The first four bytes of every chunk object: ASCII {@code MSCK}. */
  public static final int MAGIC = 0x4d53434b;

  /** The format version this code writes and the newest it reads. */
  public static final int VERSION = 1;

  /** Length of the header without a base digest. */
  public static final int HEADER_LENGTH = 23;

  /** Length of the CRC-32C footer. */
  public static final int FOOTER_LENGTH = 4;

  /** Flag bit: a base digest follows the fixed header. */
  public static final int FLAG_BASE = 1;

  /**
   * Largest raw length a chunk may have (64 MiB). Chunkers stay far below it; readers refuse larger
   * declared lengths before allocating.
   */
  public static final int MAX_RAW_LENGTH = 64 << 20;

  private ChunkFormat() {}
}
