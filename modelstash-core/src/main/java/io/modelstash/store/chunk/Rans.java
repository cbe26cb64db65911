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
 * little-endian, at least 1, summing to 2<sup>15</sup>), then the two final encoder states (u32
 * little-endian each, state 0 first), then the renormalisation bytes in the order the decoder reads
 * them. Symbols at even positions use state 0 and odd ones state 1 (two interleaved coders, so the
 * decoder has two independent dependency chains to overlap); both read from the one byte sequence.
 * A state is 32 bits wide and kept in [2<sup>23</sup>, 2<sup>31</sup>); decoding must end with both
 * states back at 2<sup>23</sup> and every byte read, which catches most corruption even before the
 * chunk's checksum does.
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
    return bits / 8 + tableLength(freq) + 8;
  }

  /**
   * Encodes {@code n} bytes of {@code src} from {@code off} with {@code freq} (which must cover
   * every byte that occurs) into {@code out} from {@code at}.
   *
   * @return the coded length, or -1 if it would exceed {@code limit} bytes (then {@code out} is
   *     untouched)
   */
  static int encode(byte[] src, int off, int n, int[] freq, byte[] out, int at, int limit) {
    try (Scratch scratch = Scratch.borrow()) {
      return encode(src, off, n, freq, out, at, limit, scratch);
    }
  }

  /** As {@link #encode(byte[], int, int, int[], byte[], int, int)}, working in {@code scratch}. */
  static int encode(
      byte[] src, int off, int n, int[] freq, byte[] out, int at, int limit, Scratch scratch) {
    int[] cum = new int[256];
    for (int s = 0, c = 0; s < 256; s++) {
      cum[s] = c;
      c += freq[s];
    }
    int table = tableLength(freq);
    int k = (table - 5) / 3;
    if (table + 8 > limit) {
      return -1;
    }
    // rANS emits bytes backwards; they go to the end of a scratch buffer, then forwards to out.
    int backLength = limit - table;
    byte[] back = scratch.coded(backLength);
    int p = backLength;
    // x / f as (x * ceil(2^32 / f)) >> 32, which is q or q + 1 for a state below 2^31, then
    // corrected: a multiplication instead of a division per symbol.
    long[] reciprocal = new long[256];
    long[] max = new long[256];
    for (int s = 0; s < 256; s++) {
      if (freq[s] > 0) {
        reciprocal[s] = ((1L << 32) + freq[s] - 1) / freq[s];
        max[s] = ((LOW >> SCALE_BITS) << 8) * freq[s];
      }
    }
    // Symbol i goes to state i & 1. Coding runs from the last symbol to the first, two at a time
    // once the count is even, with both states in locals so their chains overlap.
    long x0 = LOW;
    long x1 = LOW;
    int i = n - 1;
    if ((n & 1) == 1) {
      int s = src[off + i] & 0xff;
      while (x0 >= max[s]) {
        if (p == 0) {
          return -1;
        }
        back[--p] = (byte) x0;
        x0 >>>= 8;
      }
      x0 = step(x0, freq[s], reciprocal[s], cum[s]);
      i--;
    }
    for (; i > 0; i -= 2) {
      int s1 = src[off + i] & 0xff;
      int s0 = src[off + i - 1] & 0xff;
      while (x1 >= max[s1]) {
        if (p == 0) {
          return -1;
        }
        back[--p] = (byte) x1;
        x1 >>>= 8;
      }
      x1 = step(x1, freq[s1], reciprocal[s1], cum[s1]);
      while (x0 >= max[s0]) {
        if (p == 0) {
          return -1;
        }
        back[--p] = (byte) x0;
        x0 >>>= 8;
      }
      x0 = step(x0, freq[s0], reciprocal[s0], cum[s0]);
    }
    long[] x = {x0, x1};
    if (p < 8) {
      return -1;
    }
    // the decoder reads state 0, then state 1, each little-endian
    for (int j = 1; j >= 0; j--) {
      for (int sh = 24; sh >= 0; sh -= 8) {
        back[--p] = (byte) (x[j] >>> sh);
      }
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
    int tail = backLength - p;
    System.arraycopy(back, p, out, w, tail);
    return w + tail - at;
  }

  /**
   * One encoding step: the state that codes a symbol of frequency {@code f} on top of {@code x}.
   */
  private static long step(long x, int f, long reciprocal, int cum) {
    long q = (x * reciprocal) >>> 32;
    long r = x - q * f;
    if (r < 0) {
      q--;
      r += f;
    }
    return (q << SCALE_BITS) + r + cum;
  }

  /**
   * Decodes {@code len} coded bytes of {@code in} from {@code off} into exactly {@code n} bytes of
   * {@code out} from {@code at}.
   *
   * @throws CorruptObjectException if the table or the coded bytes are malformed
   */
  static void decode(byte[] in, int off, int len, byte[] out, int at, int n, int stream)
      throws CorruptObjectException {
    try (Scratch scratch = Scratch.borrow()) {
      decode(in, off, len, out, at, n, stream, scratch);
    }
  }

  /**
   * As {@link #decode(byte[], int, int, byte[], int, int, int)}, with tables from {@code scratch}.
   */
  static void decode(
      byte[] in, int off, int len, byte[] out, int at, int n, int stream, Scratch scratch)
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
    if (len < 5 + 3 * k + 8) {
      throw corrupt(stream, "has " + len + " bytes, less than its table of " + k + " symbols");
    }
    // per slot: the symbol, and freq << 16 | (slot - cum) for the state update, in one lookup each
    // every slot is written below before any is read: the frequencies must cover all of them
    byte[] symbolAt = scratch.symbolAt();
    int[] stepAt = scratch.stepAt();
    int total = 0;
    int previous = -1;
    for (int i = 0; i < k; i++) {
      int s = in[p++] & 0xff;
      int f = (in[p++] & 0xff) | (in[p++] & 0xff) << 8;
      if (s <= previous || f == 0 || total + f > SCALE) {
        throw corrupt(stream, "has a malformed frequency table at entry " + i);
      }
      previous = s;
      java.util.Arrays.fill(symbolAt, total, total + f, (byte) s);
      for (int slot = total; slot < total + f; slot++) {
        stepAt[slot] = f << 16 | (slot - total);
      }
      total += f;
    }
    if (total != SCALE) {
      throw corrupt(stream, "has frequencies summing to " + total + ", expected " + SCALE);
    }
    long x0 = 0;
    long x1 = 0;
    for (int b = 0; b < 4; b++) {
      x0 |= (long) (in[p++] & 0xff) << (8 * b);
    }
    for (int b = 0; b < 4; b++) {
      x1 |= (long) (in[p++] & 0xff) << (8 * b);
    }
    if (x0 < LOW || x1 < LOW) {
      throw corrupt(stream, "has an invalid initial state");
    }
    // Renormalisation keeps both states at or above LOW from here on. Two symbols per round: the
    // two states' updates do not depend on each other, so the processor overlaps them.
    int i = 0;
    for (; i + 1 < n; i += 2) {
      int slot0 = (int) (x0 & (SCALE - 1));
      int slot1 = (int) (x1 & (SCALE - 1));
      int step0 = stepAt[slot0];
      int step1 = stepAt[slot1];
      out[at + i] = symbolAt[slot0];
      out[at + i + 1] = symbolAt[slot1];
      x0 = (long) (step0 >>> 16) * (x0 >>> SCALE_BITS) + (step0 & 0xffff);
      x1 = (long) (step1 >>> 16) * (x1 >>> SCALE_BITS) + (step1 & 0xffff);
      while (x0 < LOW) {
        if (p >= end) {
          throw corrupt(stream, "ends before its " + n + " symbols are decoded");
        }
        x0 = (x0 << 8) | (in[p++] & 0xff);
      }
      while (x1 < LOW) {
        if (p >= end) {
          throw corrupt(stream, "ends before its " + n + " symbols are decoded");
        }
        x1 = (x1 << 8) | (in[p++] & 0xff);
      }
    }
    if (i < n) {
      int slot0 = (int) (x0 & (SCALE - 1));
      int step0 = stepAt[slot0];
      out[at + i] = symbolAt[slot0];
      x0 = (long) (step0 >>> 16) * (x0 >>> SCALE_BITS) + (step0 & 0xffff);
      while (x0 < LOW) {
        if (p >= end) {
          throw corrupt(stream, "ends before its " + n + " symbols are decoded");
        }
        x0 = (x0 << 8) | (in[p++] & 0xff);
      }
    }
    if (x0 != LOW || x1 != LOW || p != end) {
      throw corrupt(stream, "does not end where it should (state or length mismatch)");
    }
  }

  private static CorruptObjectException corrupt(int stream, String what) {
    return new CorruptObjectException("rANS stream " + stream + " " + what);
  }
}
