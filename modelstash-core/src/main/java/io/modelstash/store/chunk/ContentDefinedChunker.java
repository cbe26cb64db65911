package io.modelstash.store.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Content-defined chunking in the style of FastCDC (Xia et al., 2016/2020): a gear rolling hash
 * picks cut points from the content itself, so inserting or deleting bytes changes only the chunks
 * near the edit and later cut points stay where they were.
 *
 * <p>No cut is made in the first {@code min} bytes of a chunk; between {@code min} and {@code avg}
 * a cut needs two more zero hash bits than the average calls for, after {@code avg} two fewer
 * ("normalized chunking"), and a chunk ends at {@code max} regardless. The gear table comes from a
 * fixed seed and must never change: the cut points of stored data depend on it.
 */
public final class ContentDefinedChunker implements Chunker {

  /** Default minimum chunk size: 64 KiB. */
  public static final int DEFAULT_MIN = 64 << 10;

  /** Default average chunk size: 256 KiB. */
  public static final int DEFAULT_AVG = 256 << 10;

  /** Default maximum chunk size: 1 MiB. */
  public static final int DEFAULT_MAX = 1 << 20;

  /** Smallest minimum chunk size accepted. */
  public static final int SMALLEST_MIN = 64;

  private static final long GEAR_SEED = 0x6d6f64656c737461L; // "modelsta"
  private static final long[] GEAR = gearTable(GEAR_SEED);

  private final int min;
  private final int avg;
  private final int max;
  private final long strictMask;
  private final long looseMask;

  ContentDefinedChunker(int min, int avg, int max) {
    if (min < SMALLEST_MIN
        || avg <= min
        || max <= avg
        || max > ChunkFormat.MAX_RAW_LENGTH
        || Integer.bitCount(avg) != 1) {
      throw new IllegalArgumentException(
          "Invalid chunk sizes min "
              + min
              + ", avg "
              + avg
              + ", max "
              + max
              + ": need "
              + SMALLEST_MIN
              + " <= min < avg < max <= "
              + ChunkFormat.MAX_RAW_LENGTH
              + " with avg a power of two");
    }
    this.min = min;
    this.avg = avg;
    this.max = max;
    int bits = Integer.numberOfTrailingZeros(avg);
    this.strictMask = topBits(bits + 2);
    this.looseMask = topBits(Math.max(1, bits - 2));
  }

  // The gear hash shifts left, so its top bits depend on the most recent 64 bytes: test those.
  private static long topBits(int n) {
    return -1L << (64 - n);
  }

  // SplitMix64, spelled out so the table does not depend on any library's generator.
  private static long[] gearTable(long seed) {
    long[] table = new long[256];
    long state = seed;
    for (int i = 0; i < table.length; i++) {
      state += 0x9e3779b97f4a7c15L;
      long z = state;
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      table[i] = z ^ (z >>> 31);
    }
    return table;
  }

  /** The minimum chunk size (only the last chunk may be smaller). */
  public int minChunkSize() {
    return min;
  }

  /** The target average chunk size. */
  public int avgChunkSize() {
    return avg;
  }

  @Override
  public int maxChunkSize() {
    return max;
  }

  /**
   * The length of the chunk that starts at {@code off}, given {@code len} bytes from there; the
   * caller passes at least {@code max} bytes unless the input ends sooner.
   */
  private int cut(byte[] buf, int off, int len) {
    if (len <= min) {
      return len;
    }
    int end = Math.min(len, max);
    int normal = Math.min(avg, end);
    long h = 0;
    int i = min;
    for (; i < normal; i++) {
      h = (h << 1) + GEAR[buf[off + i] & 0xff];
      if ((h & strictMask) == 0) {
        return i + 1;
      }
    }
    for (; i < end; i++) {
      h = (h << 1) + GEAR[buf[off + i] & 0xff];
      if ((h & looseMask) == 0) {
        return i + 1;
      }
    }
    return end;
  }

  @Override
  public List<Span> split(byte[] data, int off, int len) {
    Objects.checkFromIndexSize(off, len, data.length);
    List<Span> out = new ArrayList<>();
    int pos = off;
    int end = off + len;
    while (pos < end) {
      int n = cut(data, pos, end - pos);
      out.add(new Span(pos, n));
      pos += n;
    }
    return out;
  }

  @Override
  public void split(InputStream in, ChunkSink sink) throws IOException {
    byte[] buf = new byte[max];
    int start = 0;
    int end = 0;
    boolean eof = false;
    while (true) {
      if (end - start < max && !eof) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
        while (end < buf.length) {
          int n = in.read(buf, end, buf.length - end);
          if (n < 0) {
            eof = true;
            break;
          }
          end += n;
        }
      }
      if (start == end) {
        return;
      }
      int n = cut(buf, start, end - start);
      sink.accept(Arrays.copyOfRange(buf, start, start + n));
      start += n;
    }
  }

  @Override
  public String toString() {
    return "ContentDefinedChunker[min " + min + ", avg " + avg + ", max " + max + "]";
  }
}
