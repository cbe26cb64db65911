package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;

/**
 * An order-0 range asymmetric numeral system (rANS) coder for one byte stream, with a static
 * frequency table stored in front of the coded bytes.
 *
 * <p>It exists for the streams of grouped payloads where a Huffman coder, such as zstd's literal
 * stage, is far from the entropy: a stream dominated by one symbol (the exponent byte of a delta
 * between nearby floats) costs Huffman at least one bit per byte, while rANS codes it at its
 * entropy, often well under one bit. Frequencies are scaled to 2<sup>15</sup>, so the coded size is
 * within a fraction of a percent of the order-0 entropy plus the table.
 *
 * <p>Layout: the number of coded bytes (u32 little-endian; checked against what the reader expects,
 * since a one-symbol stream would otherwise decode to any length), k − 1 (one byte, k = the number
 * of distinct symbols), then k entries of symbol (one byte, strictly increasing) and frequency (u16
 * little-endian, at least 1, summing to 2<sup>15</sup>), then the final encoder state (u32
 * little-endian), then the renormalisation bytes in the order the decoder reads them. The state is
 * 32 bits wide and kept in [2<sup>23</sup>, 2<sup>31</sup>); decoding must end with the state back
 * at 2<sup>23</sup> and every byte read, which catches most corruption even before the chunk's
 * checksum does.
 */
final class Rans {
  static final int SCALE_BITS = 15;
  static final int SCALE = 1 << SCALE_BITS;
  private static final long LOW = 1L << 23;

  private Rans() {}

  /** Frequencies scaled to sum to {@link #SCALE}, every symbol that occurs at least 1. */
  static int[] normalize(int[] counts, long total) {
    int[] freq = new int[256];
    if (total <= 0) {
      return freq;
    }
    long sum = 0;
    int largest = -1;
    for (int s = 0; s < 256; s++) {
      if (counts[s] > 0) {
        freq[s] = (int) Math.max(1, counts[s] * (long) SCALE / total);
        sum += freq[s];
        if (largest < 0 || counts[s] > counts[largest]) {
          largest = s;
        }
      }
    }
    long diff = SCALE - sum;
    if (diff > 0) {
      freq[largest] += (int) diff;
    }
    // Rounding rare symbols up to 1 can overshoot; take the excess from the largest frequencies.
    while (diff < 0) {
      int max = 0;
      for (int s = 1; s < 256; s++) {
        if (freq[s] > freq[max]) {
          max = s;
        }
      }
      int take = (int) Math.min(-diff, freq[max] - 1);
      freq[max] -= take;
      diff += take;
    }
    return freq;
  }

  /** Bytes the table for {@code freq} takes. */
  static int tableLength(int[] freq) {
    int k = 0;
    for (int f : freq) {
      if (f > 0) {
        k++;
      }
    }
    return 4 + 1 + 3 * k;
  }

  /** The coded length {@code counts} will have with {@code freq}, table included, in bytes. */
  static double estimate(int[] counts, int[] freq) {
    double bits = 0;
    for (int s = 0; s < 256; s++) {
      if (counts[s] > 0) {
        bits += counts[s] * (SCALE_BITS - Math.log(freq[s]) / Math.log(2));
      }
    }
    return bits / 8 + tableLength(freq) + 4;
  }

  /**
   * Encodes {@code n} bytes of {@code src} from {@code off} with {@code freq} (which must cover
   * every byte that occurs) into {@code out} from {@code at}.
   *
   * @return the coded length, or -1 if it would exceed {@code limit} bytes
   */
  static int encode(byte[] src, int off, int n, int[] freq, byte[] out, int at, int limit) {
    int[] cum = new int[256];
    int k = 0;
    for (int s = 0, c = 0; s < 256; s++) {
      cum[s] = c;
      c += freq[s];
      if (freq[s] > 0) {
        k++;
      }
    }
    int table = 4 + 1 + 3 * k;
    if (table + 4 > limit) {
      return -1;
    }
    // rANS emits bytes backwards; they go to the end of a scratch buffer, then forwards to out.
    byte[] back = new byte[limit - table - 4];
    int p = back.length;
    long x = LOW;
    for (int i = off + n - 1; i >= off; i--) {
      int s = src[i] & 0xff;
      int f = freq[s];
      long max = ((LOW >> SCALE_BITS) << 8) * f;
      while (x >= max) {
        if (p == 0) {
          return -1;
        }
        back[--p] = (byte) x;
        x >>>= 8;
      }
      x = ((x / f) << SCALE_BITS) + (x % f) + cum[s];
    }
    int w = at;
    for (int b = 0; b < 4; b++) {
      out[w++] = (byte) (n >>> (8 * b));
    }
    out[w++] = (byte) (k - 1);
    for (int s = 0; s < 256; s++) {
      if (freq[s] > 0) {
        out[w++] = (byte) s;
        out[w++] = (byte) freq[s];
        out[w++] = (byte) (freq[s] >>> 8);
      }
    }
    for (int b = 0; b < 4; b++) {
      out[w++] = (byte) (x >>> (8 * b));
    }
    int tail = back.length - p;
    System.arraycopy(back, p, out, w, tail);
    return w + tail - at;
  }

  /**
   * Decodes {@code len} coded bytes of {@code in} from {@code off} into exactly {@code n} bytes of
   * {@code out} from {@code at}.
   *
   * @throws CorruptObjectException if the table or the coded bytes are malformed
   */
  static void decode(byte[] in, int off, int len, byte[] out, int at, int n, int stream)
      throws CorruptObjectException {
    int end = off + len;
    int p = off;
    if (len < 5) {
      throw corrupt(stream, "has no table");
    }
    long count = 0;
    for (int b = 0; b < 4; b++) {
      count |= (long) (in[p++] & 0xff) << (8 * b);
    }
    if (count != n) {
      throw corrupt(stream, "holds " + count + " bytes, expected " + n);
    }
    int k = (in[p++] & 0xff) + 1;
    if (len < 5 + 3 * k + 4) {
      throw corrupt(stream, "has " + len + " bytes, less than its table of " + k + " symbols");
    }
    int[] freq = new int[256];
    int[] cum = new int[256];
    byte[] symbolAt = new byte[SCALE];
    int total = 0;
    int previous = -1;
    for (int i = 0; i < k; i++) {
      int s = in[p++] & 0xff;
      int f = (in[p++] & 0xff) | (in[p++] & 0xff) << 8;
      if (s <= previous || f == 0 || total + f > SCALE) {
        throw corrupt(stream, "has a malformed frequency table at entry " + i);
      }
      previous = s;
      freq[s] = f;
      cum[s] = total;
      java.util.Arrays.fill(symbolAt, total, total + f, (byte) s);
      total += f;
    }
    if (total != SCALE) {
      throw corrupt(stream, "has frequencies summing to " + total + ", expected " + SCALE);
    }
    long x = 0;
    for (int b = 0; b < 4; b++) {
      x |= (long) (in[p++] & 0xff) << (8 * b);
    }
    for (int i = 0; i < n; i++) {
      if (x < LOW) {
        throw corrupt(stream, "has an invalid state at symbol " + i);
      }
      int slot = (int) (x & (SCALE - 1));
      int s = symbolAt[slot] & 0xff;
      x = freq[s] * (x >>> SCALE_BITS) + slot - cum[s];
      while (x < LOW) {
        if (p >= end) {
          throw corrupt(stream, "ends before its " + n + " symbols are decoded");
        }
        x = (x << 8) | (in[p++] & 0xff);
      }
      out[at + i] = (byte) s;
    }
    if (x != LOW || p != end) {
      throw corrupt(stream, "does not end where it should (state or length mismatch)");
    }
  }

  private static CorruptObjectException corrupt(int stream, String what) {
    return new CorruptObjectException("rANS stream " + stream + " " + what);
  }
}
