package io.modelstash.format;

import java.util.Objects;

/**
 * One piece of a {@link Decomposition}: a byte range of the decomposed source. Concatenating the
 * bytes of all segments, in order, gives the source back exactly.
 */
public sealed interface Segment permits Segment.Opaque, Segment.Payload, Segment.Deflated {

  /** First byte of the segment in the decomposed source. */
  long offset();

  /** Number of bytes of the source the segment stands for. */
  long length();

  /** Bytes with no tensor structure: zip headers, pickles, padding, safetensors headers. */
  record Opaque(long offset, long length) implements Segment {
    public Opaque {
      check(offset, length);
    }
  }

  /**
   * Raw bytes of one tensor storage (or safetensors tensor), whose elements have type {@code
   * dtype}, stored in the file's own byte order. {@code key} is the storage key or tensor name.
   */
  record Payload(long offset, long length, String key, DType dtype) implements Segment {
    public Payload {
      check(offset, length);
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(dtype, "dtype");
    }
  }

  /**
   * A raw deflate stream that {@code java.util.zip.Deflater} at {@code level} (default strategy, no
   * zlib wrapper) reproduces exactly from the concatenation of {@code inner}, which decomposes the
   * inflated bytes. {@code flushPoints} are the inflated offsets, in increasing order, after which
   * a {@code SYNC_FLUSH} was issued, as Python's {@code GzipFile.flush()} does (torch.save flushes
   * before closing; the legacy writer also flushes after its pickles).
   */
  record Deflated(long offset, long length, int level, long[] flushPoints, Decomposition inner)
      implements Segment {
    public Deflated {
      check(offset, length);
      if (level < 0 || level > 9) {
        throw new IllegalArgumentException("deflate level " + level);
      }
      flushPoints = flushPoints.clone();
      for (int i = 1; i < flushPoints.length; i++) {
        if (flushPoints[i] <= flushPoints[i - 1]) {
          throw new IllegalArgumentException("flush points must increase");
        }
      }
      Objects.requireNonNull(inner, "inner");
    }

    @Override
    public long[] flushPoints() {
      return flushPoints.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Deflated
          && ((Deflated) o).offset == offset
          && ((Deflated) o).length == length
          && ((Deflated) o).level == level
          && java.util.Arrays.equals(((Deflated) o).flushPoints, flushPoints)
          && ((Deflated) o).inner == inner;
    }

    @Override
    public int hashCode() {
      return Objects.hash(offset, length, level, java.util.Arrays.hashCode(flushPoints));
    }
  }

  private static void check(long offset, long length) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative segment bounds");
    }
  }
}
