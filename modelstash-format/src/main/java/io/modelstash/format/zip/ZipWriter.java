package io.modelstash.format.zip;

import static io.modelstash.format.zip.ZipFormat.CENTRAL_HEADER_SIG;
import static io.modelstash.format.zip.ZipFormat.CENTRAL_HEADER_SIZE;
import static io.modelstash.format.zip.ZipFormat.DATA_DESCRIPTOR_SIG;
import static io.modelstash.format.zip.ZipFormat.EOCD_SIG;
import static io.modelstash.format.zip.ZipFormat.EOCD_SIZE;
import static io.modelstash.format.zip.ZipFormat.LOCAL_HEADER_SIG;
import static io.modelstash.format.zip.ZipFormat.LOCAL_HEADER_SIZE;
import static io.modelstash.format.zip.ZipFormat.U16_SENTINEL;
import static io.modelstash.format.zip.ZipFormat.U32_SENTINEL;
import static io.modelstash.format.zip.ZipFormat.ZIP64_EOCD_SIG;
import static io.modelstash.format.zip.ZipFormat.ZIP64_EOCD_SIZE;
import static io.modelstash.format.zip.ZipFormat.ZIP64_LOCATOR_SIG;
import static io.modelstash.format.zip.ZipFormat.ZIP64_LOCATOR_SIZE;
import static io.modelstash.format.zip.ZipFormat.put16;
import static io.modelstash.format.zip.ZipFormat.put32;
import static io.modelstash.format.zip.ZipFormat.put64;

import io.modelstash.format.DataWriter;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * Writes ZIP archives in exactly the layout {@code torch.save} produces (PyTorch's
 * PyTorchStreamWriter over miniz with {@code MZ_ZIP_FLAG_WRITE_ZIP64}), so that an archive read
 * with {@link ZipArchive} and rewritten entry by entry, in the same order, is byte-identical to the
 * original. See {@code package-info.java} for the layout.
 *
 * <p>Entries are stored (never compressed), written in the order added, and each entry's data
 * starts at a multiple of the alignment. Data is streamed: memory use is one small record per
 * entry; output is buffered until {@link #finish}. The writer is not thread-safe. If writing an
 * entry fails, the archive is unusable and every later call except {@link #close} throws {@link
 * IllegalStateException}.
 */
public final class ZipWriter implements Closeable {
  /** The data alignment PyTorch uses. */
  public static final int TORCH_ALIGNMENT = 64;

  /** The largest supported alignment: it keeps the local extra field within a u16 length. */
  public static final int MAX_ALIGNMENT = 1 << 15;

  private static final int FLAGS_WITH_DESCRIPTOR =
      ZipFormat.FLAG_UTF8 | ZipFormat.FLAG_DATA_DESCRIPTOR;
  private static final int FLAGS_EMPTY = ZipFormat.FLAG_UTF8;

  private final OutputStream out;
  private final int alignment;
  private final List<Written> written = new ArrayList<>();
  private final Set<String> names = new HashSet<>();
  private long position;
  private boolean finished;
  private boolean failed;
  private boolean closed;

  /** What the central directory needs to know about an entry already written. */
  private record Written(byte[] name, long crc, long size, long localHeaderOffset) {}

  /**
   * @param out where the archive goes; {@link #close} closes it
   * @param alignment data alignment in bytes ({@value #TORCH_ALIGNMENT} like PyTorch); 0 or 1 write
   *     no padding field at all
   */
  public ZipWriter(OutputStream out, int alignment) {
    // Headers are small writes; large data writes pass through the buffer unchanged.
    this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), 64 * 1024);
    if (alignment < 0 || alignment > MAX_ALIGNMENT) {
      throw new IllegalArgumentException(
          "Cannot create zip writer: alignment "
              + alignment
              + " is not in [0, "
              + MAX_ALIGNMENT
              + "]");
    }
    this.alignment = alignment;
  }

  /** Bytes written so far: the offset at which the next entry's local header will start. */
  public long position() {
    return position;
  }

  /** Adds a stored entry holding {@code data}. */
  public void add(String name, byte[] data) throws IOException {
    Objects.requireNonNull(data, "data");
    add(name, data.length, DataWriter.of(data));
  }

  /**
   * Adds a stored entry whose {@code size} bytes {@code data} writes; the CRC-32 is computed while
   * streaming.
   *
   * @throws IllegalArgumentException if the name is empty, not acceptable to {@link ZipArchive},
   *     ends with '/', is longer than 65,535 UTF-8 bytes or was added before, or size is negative
   * @throws IOException if {@code data} writes more or fewer than {@code size} bytes, or writing
   *     fails; the archive is then unusable
   */
  public void add(String name, long size, DataWriter data) throws IOException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(data, "data");
    checkWritable();
    byte[] rawName = checkName(name);
    if (size < 0) {
      throw new IllegalArgumentException(
          "Cannot add zip entry " + ZipNames.quote(name) + ": size " + size + " < 0");
    }
    failed = true; // until the entry is complete
    long lho = position;
    boolean zip64 = needsZip64(size, lho);
    byte[] header = localHeader(rawName, size, lho, zip64);
    write(header);
    CountingCrcStream body = new CountingCrcStream(out, name, size);
    data.writeTo(body);
    if (body.count != size) {
      throw new IOException(
          "Cannot add zip entry "
              + ZipNames.quote(name)
              + ": the data writer wrote "
              + body.count
              + " bytes, but "
              + size
              + " were announced");
    }
    position += size;
    long crc = body.crc.getValue();
    if (size > 0) {
      write(descriptor(crc, size, zip64));
    }
    names.add(name);
    written.add(new Written(rawName, crc, size, lho));
    failed = false;
  }

  /**
   * Writes the central directory, the ZIP64 end record and locator, and the end record. No entry
   * can be added afterwards. Does not close the stream.
   */
  public void finish() throws IOException {
    checkWritable();
    failed = true;
    long cdOffset = position;
    for (Written w : written) {
      write(centralHeader(w));
    }
    long cdSize = position - cdOffset;
    long zip64Record = position;
    long count = written.size();

    byte[] end = new byte[ZIP64_EOCD_SIZE + ZIP64_LOCATOR_SIZE + EOCD_SIZE];
    put32(end, 0, ZIP64_EOCD_SIG);
    put64(end, 4, ZIP64_EOCD_SIZE - 12);
    put16(end, 12, 0x031E); // made by: miniz always claims Unix, spec 3.0
    put16(end, 14, 45); // needed: ZIP64
    put64(end, 24, count);
    put64(end, 32, count);
    put64(end, 40, cdSize);
    put64(end, 48, cdOffset);
    int l = ZIP64_EOCD_SIZE;
    put32(end, l, ZIP64_LOCATOR_SIG);
    put64(end, l + 8, zip64Record);
    put32(end, l + 16, 1);
    int e = l + ZIP64_LOCATOR_SIZE;
    put32(end, e, EOCD_SIG);
    put16(end, e + 8, (int) Math.min(count, U16_SENTINEL));
    put16(end, e + 10, (int) Math.min(count, U16_SENTINEL));
    put32(end, e + 12, Math.min(cdSize, U32_SENTINEL));
    put32(end, e + 16, Math.min(cdOffset, U32_SENTINEL));
    write(end);
    out.flush();
    finished = true;
    failed = false;
  }

  /** Finishes the archive if that has not happened and no write failed, then closes the stream. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    try {
      if (!finished && !failed) {
        finish();
      }
    } catch (IOException | RuntimeException e) {
      try {
        out.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      closed = true;
    }
    out.close();
  }

  /**
   * The number of 'Z' padding bytes PyTorch's {@code getPadding} puts in the 'FB' field so that the
   * data of an entry with this local header offset, name length and size starts at a multiple of
   * {@code alignment}.
   */
  static int padding(long localHeaderOffset, int nameLength, long size, int alignment) {
    long start = localHeaderOffset + LOCAL_HEADER_SIZE + nameLength + 4;
    if (needsZip64(size, localHeaderOffset)) {
      start += 4;
      if (size >= U32_SENTINEL) {
        start += 16;
      }
      if (localHeaderOffset >= U32_SENTINEL) {
        start += 8;
      }
    }
    return (int) ((alignment - start % alignment) % alignment);
  }

  private static boolean needsZip64(long size, long localHeaderOffset) {
    return size >= U32_SENTINEL || localHeaderOffset >= U32_SENTINEL;
  }

  private byte[] localHeader(byte[] rawName, long size, long lho, boolean zip64) {
    byte[] zip64Field = zip64 ? zip64Field(size, 0, lho) : new byte[0];
    int pad = alignment > 1 ? padding(lho, rawName.length, size, alignment) : -1;
    int extraLength = zip64Field.length + (pad >= 0 ? 4 + pad : 0);
    byte[] h = new byte[LOCAL_HEADER_SIZE + rawName.length + extraLength];
    put32(h, 0, LOCAL_HEADER_SIG);
    // Version needed, time, date, CRC and sizes stay 0: miniz defers them to the descriptor.
    put16(h, 6, size > 0 ? FLAGS_WITH_DESCRIPTOR : FLAGS_EMPTY);
    put16(h, 26, rawName.length);
    put16(h, 28, extraLength);
    System.arraycopy(rawName, 0, h, LOCAL_HEADER_SIZE, rawName.length);
    int p = LOCAL_HEADER_SIZE + rawName.length;
    System.arraycopy(zip64Field, 0, h, p, zip64Field.length);
    p += zip64Field.length;
    if (pad >= 0) {
      put16(h, p, ZipFormat.PADDING_EXTRA_ID);
      put16(h, p + 2, pad);
      Arrays.fill(h, p + 4, p + 4 + pad, (byte) 'Z');
    }
    return h;
  }

  /**
   * miniz's ZIP64 extra field: the uncompressed and compressed sizes if the size needs it, then the
   * local header offset if that does. In the local header the compressed size is still 0.
   */
  private static byte[] zip64Field(long size, long compressedSize, long lho) {
    boolean sizes = size >= U32_SENTINEL;
    boolean offset = lho >= U32_SENTINEL;
    int length = (sizes ? 16 : 0) + (offset ? 8 : 0);
    byte[] f = new byte[4 + length];
    put16(f, 0, ZipFormat.ZIP64_EXTRA_ID);
    put16(f, 2, length);
    int p = 4;
    if (sizes) {
      put64(f, p, size);
      put64(f, p + 8, compressedSize);
      p += 16;
    }
    if (offset) {
      put64(f, p, lho);
    }
    return f;
  }

  private static byte[] descriptor(long crc, long size, boolean zip64) {
    byte[] d = new byte[zip64 ? 24 : 16];
    put32(d, 0, DATA_DESCRIPTOR_SIG);
    put32(d, 4, crc);
    if (zip64) {
      put64(d, 8, size);
      put64(d, 16, size);
    } else {
      put32(d, 8, size);
      put32(d, 12, size);
    }
    return d;
  }

  private static byte[] centralHeader(Written w) {
    boolean zip64 = needsZip64(w.size, w.localHeaderOffset);
    byte[] zip64Field = zip64 ? zip64Field(w.size, w.size, w.localHeaderOffset) : new byte[0];
    byte[] h = new byte[CENTRAL_HEADER_SIZE + w.name.length + zip64Field.length];
    put32(h, 0, CENTRAL_HEADER_SIG);
    // Version made by and needed, method, time, date, comment, disk and attributes stay 0.
    put16(h, 8, w.size > 0 ? FLAGS_WITH_DESCRIPTOR : FLAGS_EMPTY);
    put32(h, 16, w.crc);
    put32(h, 20, Math.min(w.size, U32_SENTINEL));
    put32(h, 24, Math.min(w.size, U32_SENTINEL));
    put16(h, 28, w.name.length);
    put16(h, 30, zip64Field.length);
    put32(h, 42, Math.min(w.localHeaderOffset, U32_SENTINEL));
    System.arraycopy(w.name, 0, h, CENTRAL_HEADER_SIZE, w.name.length);
    System.arraycopy(zip64Field, 0, h, CENTRAL_HEADER_SIZE + w.name.length, zip64Field.length);
    return h;
  }

  private byte[] checkName(String name) {
    String problem = ZipNames.problem(name);
    if (problem == null && name.endsWith("/")) {
      problem = "directory entries are not supported";
    }
    if (problem == null && names.contains(name)) {
      problem = "an entry with this name was already added";
    }
    byte[] raw = name.getBytes(StandardCharsets.UTF_8);
    if (problem == null && !name.equals(ZipNames.decode(raw))) {
      problem = "the name is not valid Unicode (unpaired surrogate)";
    }
    if (problem == null && raw.length > 0xFFFF) {
      problem = "the name has " + raw.length + " UTF-8 bytes, more than 65535";
    }
    if (problem != null) {
      throw new IllegalArgumentException(
          "Cannot add zip entry " + ZipNames.quote(name) + ": " + problem);
    }
    return raw;
  }

  private void checkWritable() {
    if (closed || finished) {
      throw new IllegalStateException("Cannot write to zip archive: it is already finished");
    }
    if (failed) {
      throw new IllegalStateException("Cannot write to zip archive: an earlier write failed");
    }
  }

  private void write(byte[] b) throws IOException {
    out.write(b);
    position += b.length;
  }

  /** Passes an entry's data through, counting it, computing its CRC and refusing any excess. */
  private static final class CountingCrcStream extends OutputStream {
    private final OutputStream out;
    private final String name;
    private final long size;
    private final CRC32 crc = new CRC32();
    private long count;

    CountingCrcStream(OutputStream out, String name, long size) {
      this.out = out;
      this.name = name;
      this.size = size;
    }

    @Override
    public void write(int b) throws IOException {
      reserve(1);
      out.write(b);
      crc.update(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      Objects.checkFromIndexSize(off, len, b.length);
      reserve(len);
      out.write(b, off, len);
      crc.update(b, off, len);
      count += len;
    }

    private void reserve(int n) throws IOException {
      if (n > size - count) {
        throw new IOException(
            "Cannot add zip entry "
                + ZipNames.quote(name)
                + ": the data writer wrote more than the "
                + size
                + " bytes announced");
      }
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() {
      // The archive stream stays open: more entries follow.
    }
  }
}
