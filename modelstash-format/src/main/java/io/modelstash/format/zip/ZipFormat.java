package io.modelstash.format.zip;

/** Signatures, record sizes and little-endian field access shared by the reader and the writer. */
final class ZipFormat {
  static final int LOCAL_HEADER_SIG = 0x04034B50;
  static final int CENTRAL_HEADER_SIG = 0x02014B50;
  static final int DATA_DESCRIPTOR_SIG = 0x08074B50;
  static final int EOCD_SIG = 0x06054B50;
  static final int ZIP64_EOCD_SIG = 0x06064B50;
  static final int ZIP64_LOCATOR_SIG = 0x07064B50;

  static final int LOCAL_HEADER_SIZE = 30;
  static final int CENTRAL_HEADER_SIZE = 46;
  static final int EOCD_SIZE = 22;
  static final int ZIP64_EOCD_SIZE = 56;
  static final int ZIP64_LOCATOR_SIZE = 20;

  /** The EOCD plus the longest possible archive comment. */
  static final int MAX_EOCD_SEARCH = EOCD_SIZE + 0xFFFF;

  static final int ZIP64_EXTRA_ID = 0x0001;

  /** 'F','B' read as a little-endian u16: PyTorch's alignment padding field. */
  static final int PADDING_EXTRA_ID = 0x4246;

  static final int METHOD_STORED = 0;
  static final int METHOD_DEFLATED = 8;

  static final int FLAG_ENCRYPTED = 0x0001;
  static final int FLAG_DATA_DESCRIPTOR = 0x0008;
  static final int FLAG_STRONG_ENCRYPTION = 0x0040;
  static final int FLAG_UTF8 = 0x0800;

  static final long U32_SENTINEL = 0xFFFF_FFFFL;
  static final int U16_SENTINEL = 0xFFFF;

  private ZipFormat() {}

  static int u16(byte[] b, int off) {
    return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
  }

  static long u32(byte[] b, int off) {
    return (u16(b, off) | (long) u16(b, off + 2) << 16) & 0xFFFF_FFFFL;
  }

  /** Reads a u64; values of 2^63 and more come back negative, and callers treat them as invalid. */
  static long u64(byte[] b, int off) {
    return u32(b, off) | u32(b, off + 4) << 32;
  }

  static void put16(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
  }

  static void put32(byte[] b, int off, long v) {
    put16(b, off, (int) v);
    put16(b, off + 2, (int) (v >>> 16));
  }

  static void put64(byte[] b, int off, long v) {
    put32(b, off, v);
    put32(b, off + 4, v >>> 32);
  }
}
