package io.modelstash.format.zip;

import java.util.Objects;

/**
 * One entry as the central directory (and its ZIP64 extra field) describes it, checked against its
 * local header by {@link ZipArchive}.
 *
 * @param name the entry name, valid UTF-8, exactly as stored
 * @param method 0 (stored) or 8 (deflated)
 * @param crc32 the CRC-32 the central directory records (never checked on read; see {@link
 *     ZipArchive#crcMatches})
 * @param compressedSize bytes of entry data in the file
 * @param size bytes after decompression
 * @param localHeaderOffset where the entry's local header starts
 * @param dataOffset the first byte of the entry's (stored or compressed) data: {@code
 *     localHeaderOffset + 30 + localNameLength + localExtraLength}
 * @param recordEnd the end of this entry's bytes in the file, including any data descriptor
 */
public record ZipEntry(
    String name,
    int method,
    long crc32,
    long compressedSize,
    long size,
    long localHeaderOffset,
    long dataOffset,
    long recordEnd) {

  public ZipEntry {
    Objects.requireNonNull(name, "name");
    if (method != ZipFormat.METHOD_STORED && method != ZipFormat.METHOD_DEFLATED) {
      throw new IllegalArgumentException("Cannot create zip entry " + name + ": method " + method);
    }
    if (crc32 < 0 || crc32 > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("Cannot create zip entry " + name + ": crc32 " + crc32);
    }
    if (compressedSize < 0
        || size < 0
        || localHeaderOffset < 0
        || dataOffset - localHeaderOffset < ZipFormat.LOCAL_HEADER_SIZE
        || compressedSize > recordEnd - dataOffset) {
      throw new IllegalArgumentException(
          "Cannot create zip entry "
              + name
              + ": inconsistent offsets or sizes (local header "
              + localHeaderOffset
              + ", data "
              + dataOffset
              + "+"
              + compressedSize
              + ", record end "
              + recordEnd
              + ")");
    }
  }

  /** The end (exclusive) of the entry's stored or compressed data. */
  public long dataEnd() {
    return dataOffset + compressedSize;
  }

  /**
   * Whether the data is stored as is (method 0), so {@code [dataOffset, dataEnd)} is the content.
   */
  public boolean isStored() {
    return method == ZipFormat.METHOD_STORED;
  }
}
