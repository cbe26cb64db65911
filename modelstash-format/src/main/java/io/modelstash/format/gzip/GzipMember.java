package io.modelstash.format.gzip;

import io.modelstash.format.ByteSource;
import io.modelstash.format.DeflateWriter;
import io.modelstash.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads gzip files (RFC 1952) as written by {@code gzip.open(f, "wb")} around {@code torch.save}:
 * parses the member header, inflates with a bounded output, checks CRC-32 and length, and finds
 * whether some deflate parameters reproduce the compressed stream exactly, which is what lets a
 * store keep the inflated content decomposed and still restore the gzip bytes.
 *
 * <p>Inflated content stays in memory up to {@link #IN_MEMORY_LIMIT} and spills to a temporary file
 * beyond it; {@link Inflated#close()} deletes that file.
 */
public final class GzipMember {
  static final long IN_MEMORY_LIMIT = 64L << 20;
  private static final int[] LEVEL_ORDER = {9, 6, 1, 2, 3, 4, 5, 7, 8};

  private GzipMember() {}

  /** True when the source starts with the gzip magic and the deflate method byte. */
  public static boolean isGzip(ByteSource src) throws IOException {
    if (src.size() < 18) {
      return false;
    }
    byte[] b = src.read(0, 3);
    return (b[0] & 0xFF) == 0x1F && (b[1] & 0xFF) == 0x8B && b[2] == 8;
  }

  /**
   * The result of inflating every member of a gzip file.
   *
   * @param headerLength bytes before the first member's deflate stream
   * @param deflateLength bytes of the first member's deflate stream
   * @param singleMember whether the file is exactly one member (header, stream, 8-byte trailer)
   */
  public record Inflated(
      ByteSource content, long headerLength, long deflateLength, boolean singleMember, Path spill)
      implements Closeable {
    @Override
    public void close() throws IOException {
      content.close();
      if (spill != null) {
        Files.deleteIfExists(spill);
      }
    }
  }

  /** Inflates all members, refusing more than {@code maxBytes} of output. */
  public static Inflated inflate(ByteSource src, long maxBytes, Path spillDir) throws IOException {
    SpillingSink sink = new SpillingSink(spillDir);
    boolean ok = false;
    try {
      long pos = 0;
      long firstHeader = -1;
      long firstDeflate = -1;
      int members = 0;
      while (pos < src.size()) {
        if (members > 0 && !startsMember(src, pos)) {
          throw new FormatException(
              "Cannot read gzip file: "
                  + (src.size() - pos)
                  + " bytes of trailing garbage at offset "
                  + pos);
        }
        long header = headerLength(src, pos);
        long[] result = inflateStream(src, pos + header, sink, maxBytes);
        long streamLength = result[0];
        long trailer = pos + header + streamLength;
        if (trailer + 8 > src.size()) {
          throw new FormatException(
              "Cannot read gzip file: truncated, trailer missing at offset " + trailer);
        }
        ByteBuffer t =
            ByteBuffer.wrap(src.read(trailer, 8)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long crc = t.getInt() & 0xFFFFFFFFL;
        long isize = t.getInt() & 0xFFFFFFFFL;
        if (crc != result[1]) {
          throw new FormatException(
              "Cannot read gzip file: CRC-32 mismatch in member at offset "
                  + pos
                  + " (expected "
                  + Long.toHexString(crc)
                  + ", actual "
                  + Long.toHexString(result[1])
                  + "; the file is corrupt)");
        }
        if (isize != (result[2] & 0xFFFFFFFFL)) {
          throw new FormatException(
              "Cannot read gzip file: length mismatch in member at offset " + pos);
        }
        if (members == 0) {
          firstHeader = header;
          firstDeflate = streamLength;
        }
        members++;
        pos = trailer + 8;
      }
      ByteSource content = sink.finish();
      ok = true;
      return new Inflated(content, firstHeader, firstDeflate, members == 1, sink.file);
    } finally {
      if (!ok) {
        sink.abort();
      }
    }
  }

  private static boolean startsMember(ByteSource src, long pos) throws IOException {
    if (src.size() - pos < 18) {
      return false;
    }
    byte[] b = src.read(pos, 3);
    return (b[0] & 0xFF) == 0x1F && (b[1] & 0xFF) == 0x8B && b[2] == 8;
  }

  /** Length of the member header starting at {@code pos}. */
  static long headerLength(ByteSource src, long pos) throws IOException {
    byte[] fixed = readOrTruncated(src, pos, 10);
    if ((fixed[0] & 0xFF) != 0x1F || (fixed[1] & 0xFF) != 0x8B || fixed[2] != 8) {
      throw new FormatException("Cannot read gzip file: bad member header at offset " + pos);
    }
    int flags = fixed[3] & 0xFF;
    if ((flags & 0xE0) != 0) {
      throw new FormatException(
          "Cannot read gzip file: reserved header flags set at offset " + pos);
    }
    long p = pos + 10;
    if ((flags & 4) != 0) {
      byte[] x = readOrTruncated(src, p, 2);
      p += 2 + ((x[0] & 0xFF) | (x[1] & 0xFF) << 8);
    }
    if ((flags & 8) != 0) {
      p = skipZeroTerminated(src, p);
    }
    if ((flags & 16) != 0) {
      p = skipZeroTerminated(src, p);
    }
    if ((flags & 2) != 0) {
      p += 2;
    }
    if (p > src.size()) {
      throw new FormatException("Cannot read gzip file: truncated header at offset " + pos);
    }
    return p - pos;
  }

  private static long skipZeroTerminated(ByteSource src, long p) throws IOException {
    byte[] buf = new byte[256];
    while (p < src.size()) {
      int n = (int) Math.min(buf.length, src.size() - p);
      src.readFully(p, ByteBuffer.wrap(buf, 0, n));
      for (int i = 0; i < n; i++) {
        if (buf[i] == 0) {
          return p + i + 1;
        }
      }
      p += n;
    }
    throw new FormatException("Cannot read gzip file: unterminated name or comment in header");
  }

  private static byte[] readOrTruncated(ByteSource src, long pos, int n) throws IOException {
    if (pos < 0 || pos > src.size() - n) {
      throw new FormatException("Cannot read gzip file: truncated at offset " + pos);
    }
    return src.read(pos, n);
  }

  /** Inflates one raw deflate stream; returns {compressed length, crc32, inflated length}. */
  private static long[] inflateStream(ByteSource src, long start, OutputStream sink, long maxBytes)
      throws IOException {
    Inflater inflater = new Inflater(true);
    CRC32 crc = new CRC32();
    byte[] in = new byte[1 << 16];
    byte[] out = new byte[1 << 16];
    long fed = 0;
    long produced = 0;
    long total = sink instanceof SpillingSink ? ((SpillingSink) sink).written : 0;
    try {
      while (!inflater.finished()) {
        if (inflater.needsInput()) {
          long avail = src.size() - (start + fed);
          if (avail <= 0) {
            throw new FormatException(
                "Cannot read gzip file: truncated deflate stream at offset " + (start + fed));
          }
          int n = (int) Math.min(in.length, avail);
          src.readFully(start + fed, ByteBuffer.wrap(in, 0, n));
          inflater.setInput(in, 0, n);
          fed += n;
        }
        int n = inflater.inflate(out);
        if (n == 0 && inflater.needsDictionary()) {
          throw new FormatException("Cannot read gzip file: deflate stream needs a dictionary");
        }
        if (n > 0) {
          produced += n;
          if (total + produced > maxBytes) {
            throw new FormatException(
                "Cannot read gzip file: inflates to more than "
                    + maxBytes
                    + " bytes (gzip bomb? raise the limit if the file is genuine)");
          }
          crc.update(out, 0, n);
          sink.write(out, 0, n);
        }
      }
      return new long[] {fed - inflater.getRemaining(), crc.getValue(), produced};
    } catch (DataFormatException e) {
      throw new FormatException(
          "Cannot read gzip file: corrupt deflate data (" + e.getMessage() + ")", e);
    } finally {
      inflater.end();
    }
  }

  /** How a deflate stream was produced: the level, and where it was sync-flushed. */
  public record DeflateParams(int level, long[] flushPoints) {
    public DeflateParams {
      flushPoints = flushPoints.clone();
    }

    @Override
    public long[] flushPoints() {
      return flushPoints.clone();
    }
  }

  /**
   * Finds deflate parameters whose output for {@code inflated} equals {@code compressed} byte for
   * byte, stopping each attempt at the first differing byte. Sync-flush points are found from the
   * empty stored blocks ({@code 00 00 FF FF}) a sync flush leaves in the stream.
   */
  public static Optional<DeflateParams> findParams(ByteSource compressed, ByteSource inflated)
      throws IOException {
    long[] found = flushCandidates(compressed);
    long[][] options = found.length == 0 ? new long[][] {found} : new long[][] {found, {}};
    for (int level : LEVEL_ORDER) {
      for (long[] flushes : options) {
        DeflateParams p = new DeflateParams(level, flushes);
        if (reproduces(p, compressed, inflated)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Inflated offsets at which the stream holds the byte-aligned marker of a sync flush. Each marker
   * position is checked by inflating exactly up to it; chance matches inside compressed data only
   * make the later reproduction attempt fail.
   */
  static long[] flushCandidates(ByteSource compressed) throws IOException {
    List<Long> markers = new ArrayList<>();
    byte[] buf = new byte[1 << 16];
    long size = compressed.size();
    for (long pos = 0; pos < size; pos += buf.length - 3) {
      int n = (int) Math.min(buf.length, size - pos);
      compressed.readFully(pos, ByteBuffer.wrap(buf, 0, n));
      for (int i = 0; i + 4 <= n; i++) {
        if (buf[i] == 0
            && buf[i + 1] == 0
            && buf[i + 2] == (byte) 0xFF
            && buf[i + 3] == (byte) 0xFF) {
          long end = pos + i + 4;
          if (markers.isEmpty() || markers.get(markers.size() - 1) != end) {
            markers.add(end);
          }
        }
      }
      if (pos + n >= size) {
        break;
      }
    }
    if (markers.isEmpty()) {
      return new long[0];
    }
    Inflater inflater = new Inflater(true);
    List<Long> points = new ArrayList<>();
    try {
      byte[] out = new byte[1 << 16];
      long fed = 0;
      long produced = 0;
      for (long marker : markers) {
        while (fed < marker) {
          int n = (int) Math.min(buf.length, marker - fed);
          compressed.readFully(fed, ByteBuffer.wrap(buf, 0, n));
          inflater.setInput(buf, 0, n);
          fed += n;
          while (!inflater.needsInput() && !inflater.finished()) {
            produced += inflater.inflate(out);
          }
          if (inflater.finished()) {
            break;
          }
        }
        if (inflater.finished()) {
          break;
        }
        if (points.isEmpty() || points.get(points.size() - 1) != produced) {
          points.add(produced);
        }
      }
    } catch (DataFormatException e) {
      return new long[0];
    } finally {
      inflater.end();
    }
    return points.stream().mapToLong(Long::longValue).toArray();
  }

  private static boolean reproduces(DeflateParams p, ByteSource compressed, ByteSource inflated)
      throws IOException {
    ComparingStream cmp = new ComparingStream(compressed);
    try {
      try (DeflateWriter w = new DeflateWriter(cmp, p.level(), p.flushPoints())) {
        byte[] in = new byte[1 << 16];
        for (long read = 0; read < inflated.size(); ) {
          int n = (int) Math.min(in.length, inflated.size() - read);
          inflated.readFully(read, ByteBuffer.wrap(in, 0, n));
          w.write(in, 0, n);
          read += n;
        }
      }
    } catch (Mismatch m) {
      return false;
    }
    return cmp.position == compressed.size();
  }

  /** Thrown to stop an attempt at the first byte that differs. */
  private static final class Mismatch extends IOException {
    private static final long serialVersionUID = 1L;

    Mismatch() {
      super("deflate output differs");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }

  /** Compares what is written to it with a source, failing fast. */
  private static final class ComparingStream extends OutputStream {
    private final ByteSource expected;
    private final byte[] window = new byte[1 << 16];
    private long position;

    ComparingStream(ByteSource expected) {
      this.expected = expected;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int n = Math.min(len, window.length);
        if (position + n > expected.size()) {
          throw new Mismatch();
        }
        expected.readFully(position, ByteBuffer.wrap(window, 0, n));
        if (!Arrays.equals(b, off, off + n, window, 0, n)) {
          throw new Mismatch();
        }
        position += n;
        off += n;
        len -= n;
      }
    }
  }

  /** Collects inflated bytes in memory, moving them to a temporary file past the limit. */
  private static final class SpillingSink extends OutputStream {
    private final Path dir;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream();
    private OutputStream fileOut;
    private Path file;
    private long written;

    SpillingSink(Path dir) {
      this.dir = dir;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (fileOut == null && written + len > IN_MEMORY_LIMIT) {
        file =
            dir == null
                ? Files.createTempFile("modelstash-gunzip", ".tmp")
                : Files.createTempFile(dir, "modelstash-gunzip", ".tmp");
        fileOut =
            new java.io.BufferedOutputStream(
                Files.newOutputStream(file, StandardOpenOption.WRITE), 1 << 16);
        memory.writeTo(fileOut);
        memory = null;
      }
      if (fileOut != null) {
        fileOut.write(b, off, len);
      } else {
        memory.write(b, off, len);
      }
      written += len;
    }

    ByteSource finish() throws IOException {
      if (fileOut == null) {
        return ByteSource.wrap(memory.toByteArray());
      }
      fileOut.close();
      return ByteSource.open(file);
    }

    void abort() throws IOException {
      if (fileOut != null) {
        fileOut.close();
      }
      if (file != null) {
        Files.deleteIfExists(file);
      }
    }
  }
}
