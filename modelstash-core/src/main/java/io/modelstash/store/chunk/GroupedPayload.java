package io.modelstash.store.chunk;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import io.modelstash.store.blob.CorruptObjectException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The payload shared by the byte-grouping and delta codecs (layout in {@code package-info}): a
 * small header, one independently coded stream per byte position of the unit, then the tail bytes
 * that do not fill a whole unit, verbatim.
 *
 * <p>Each stream is zstd-compressed on its own and kept raw when that does not make it smaller, so
 * a near-random mantissa stream costs its length plus five bytes and nothing more.
 */
final class GroupedPayload {

  /** Stream method: the stream's bytes as they are. */
  static final int RAW = 0;

  /** Stream method: one zstd frame. */
  static final int ZSTD = 1;

  /** Stream method: {@link Rans}-coded (chunk format version 2 and later). */
  static final int RANS = 2;

  /**
   * Stream method: {@link Rans}-coded with the two previous bytes of the stream as context (chunk
   * format version 4 and later). Neighbouring elements of a tensor (a row of a weight matrix, an
   * AdamW moment of one input) have similar magnitudes, so an exponent byte predicts the next one:
   * on an S1 checkpoint the exponent streams came out 4.3% below their order-0 entropy.
   */
  static final int CONTEXT_RANS = 3;

  /**
   * Contexts of {@link #CONTEXT_RANS}: the mean of the two previous bytes, from two below the
   * stream's most common byte to two above.
   */
  static final int CONTEXTS = 5;

  /** Streams shorter than this are not worth the contexts' tables. */
  private static final int CONTEXT_MIN = 4096;

  /**
   * rANS must beat zstd by this fraction to be chosen: its decoder is slower than zstd's. Measured
   * on the benchmark scenarios: at 1% the store keeps 0.06% (S1) to 0.4% (S6) fewer bytes than at
   * 3%, and reads about 5% slower in a warm JVM; space comes first here.
   */
  private static final double RANS_MARGIN = 0.01;

  /** Flag bit: units were rotated left by one bit before grouping. */
  static final int FLAG_ROTATED = 1;

  private static final int FIXED = 2;
  private static final int PER_STREAM = 5;

  /** Every third byte is enough to tell a random stream from a skewed one. */
  private static final int SAMPLE_STEP = 3;

  private GroupedPayload() {}

  /** Length of the header for units of {@code width} bytes. */
  static int headerLength(int width) {
    return FIXED + PER_STREAM * width;
  }

  /** Encodes {@code raw} (combined with {@code base} by {@code t}) as a grouped payload. */
  static byte[] encode(byte[] raw, byte[] base, int width, Transform t, boolean rotate) {
    int n = raw.length / width;
    int tail = raw.length - n * width;
    boolean rotated = rotate && width > 1;
    try (Scratch scratch = Scratch.borrow()) {
      byte[] grouped = scratch.grouped(n * width);
      ByteGrouping.split(raw, base, width, n, t, rotated, grouped);
      int header = headerLength(width);
      byte[] out = scratch.payload(header + width * boundPerStream(n) + tail);
      out[0] = (byte) width;
      out[1] = (byte) (rotated ? FLAG_ROTATED : 0);
      ByteBuffer h = ByteBuffer.wrap(out);
      int at = header;
      ZstdCompressCtx ctx = scratch.zstd();
      for (int s = 0; s < width; s++) {
        double sampledBits = sampledBitsPerByte(grouped, s * n, n);
        boolean compressible = n > 0 && sampledBits < 7.9;
        int len = compressible ? compress(ctx, grouped, s * n, n, out, at) : -1;
        int method = ZSTD;
        if (len < 0) {
          method = RAW;
          len = n;
          System.arraycopy(grouped, s * n, out, at, n);
        }
        // the top byte (a float's exponent) may do better still with its neighbours as context;
        // that is tried first, and order-0 rANS only where it does not pay, so a stream is rANS-
        // coded at most once
        boolean contextual = compressible && n >= CONTEXT_MIN && s == width - 1;
        // rANS can only win by its margin where zstd is that far above the entropy: in practice
        // streams dominated by one byte, whose Huffman codes cannot go below one bit per byte
        boolean ransMayWin =
            compressible && n >= 64 && len > sampledBits * n / 8 * (1 + 2 * RANS_MARGIN);
        int[] counts = null;
        if (contextual || ransMayWin) {
          counts = new int[256];
          Entropy.histogram(grouped, s * n, n, 1, counts);
        }
        int coded = contextual ? contextRans(grouped, s * n, n, counts, len, out, at, scratch) : -1;
        if (coded > 0) {
          method = CONTEXT_RANS;
          len = coded;
        } else if (ransMayWin) {
          coded = rans(grouped, s * n, n, counts, len, out, at, scratch);
          if (coded > 0) {
            method = RANS;
            len = coded;
          }
        }
        out[FIXED + PER_STREAM * s] = (byte) method;
        h.putInt(FIXED + PER_STREAM * s + 1, len);
        at += len;
      }
      System.arraycopy(raw, n * width, out, at, tail);
      return Arrays.copyOf(out, at + tail);
    }
  }

  private static int boundPerStream(int n) {
    return (int) Math.min(Integer.MAX_VALUE / 16, Math.max(n, Zstd.compressBound(n)));
  }

  /**
   * A zstd context tuned for the streams: level 1 with the double-fast strategy and a minimum match
   * of 7, which keeps short, costly matches out of exponent streams and leaves their bytes to the
   * literal Huffman coder; measured smaller and about as fast as levels 1 to 3 with their own
   * settings.
   */
  static ZstdCompressCtx streamContext() {
    ZstdCompressCtx ctx = new ZstdCompressCtx();
    ctx.setLevel(1);
    ctx.setStrategy(2);
    ctx.setMinMatch(7);
    return ctx;
  }

  /**
   * The order-0 entropy of every third byte of a stream, in bits per byte (0 below 64 bytes). A
   * stream within 1.25% of 8 bits is not given to zstd, whose Huffman stage gives up there anyway
   * (it needs a gain of about 1.6%). Skipping the near-random mantissa streams is what makes
   * encoding fast; it only forgoes long repeats inside such a stream, which the plain-zstd
   * candidate of the selector still catches.
   */
  private static double sampledBitsPerByte(byte[] b, int off, int n) {
    if (n < 64) {
      return 0;
    }
    int[] counts = new int[256];
    Entropy.histogram(b, off, n, SAMPLE_STEP, counts);
    long sampled = (n + SAMPLE_STEP - 1) / SAMPLE_STEP;
    return Entropy.bits(counts, sampled) / sampled;
  }

  /**
   * rANS-codes a stream into {@code out} at {@code at} if its order-0 model promises to beat the
   * {@code current} length by {@link #RANS_MARGIN}: mostly streams dominated by one byte, where
   * zstd's Huffman stage cannot go below one bit per byte. {@code counts} is the stream's byte
   * histogram.
   *
   * @return the coded length, or -1 if the stream stays as it is (then {@code out} is untouched
   *     beyond what the current encoding wrote)
   */
  private static int rans(
      byte[] b, int off, int n, int[] counts, int current, byte[] out, int at, Scratch scratch) {
    int[] freq = Rans.normalize(counts, n);
    int limit = (int) (current * (1 - RANS_MARGIN));
    if (Rans.estimate(counts, freq) >= limit) {
      return -1;
    }
    // out holds the current encoding's bytes from at, so limit bytes fit; encode writes only on
    // success
    return Rans.encode(b, off, n, freq, out, at, limit, scratch);
  }

  /**
   * The context of a byte that follows {@code before} and {@code previous}: their mean rounded up,
   * 0 at or below {@code low}, then one per byte value, {@link #CONTEXTS} − 1 from {@code low +
   * CONTEXTS - 1} up. On S1's exponent streams the mean of two came out 1.3% smaller than the
   * previous byte alone.
   */
  private static int context(int before, int previous, int low) {
    return Math.min(Math.max(((before + previous + 1) >> 1) - low, 0), CONTEXTS - 1);
  }

  /**
   * Codes a stream as {@link #CONTEXT_RANS} into {@code out} at {@code at} if its estimate beats
   * the {@code current} length by {@link #RANS_MARGIN} and order-0 rANS's estimate, and the coding
   * then beats the {@code current} length too. {@code all} is the stream's byte histogram.
   *
   * <p>Layout: the lowest context's byte value (one byte), then per context the length of its
   * stream (u32), then the streams: each context's bytes in stream order, rANS-coded (an empty
   * context has an empty stream). Bytes before the first count as 0.
   *
   * @return the coded length, or -1 if the stream stays as it is ({@code out} is then untouched)
   */
  private static int contextRans(
      byte[] b, int off, int n, int[] all, int current, byte[] out, int at, Scratch scratch) {
    int mode = 0;
    for (int v = 1; v < 256; v++) {
      if (all[v] > all[mode]) {
        mode = v;
      }
    }
    double orderZero = Rans.estimate(all, Rans.normalize(all, n));
    int low = Math.max(0, mode - 2);
    byte[] ctx = contexts(b, off, n, low);
    int[] counts = new int[CONTEXTS << 8];
    for (int i = 0; i < n; i++) {
      counts[ctx[i] << 8 | (b[off + i] & 0xff)]++;
    }
    int[][] freq = new int[CONTEXTS][];
    int[] sizes = new int[CONTEXTS];
    double estimate = 1 + 4 * CONTEXTS;
    for (int c = 0; c < CONTEXTS; c++) {
      int[] mine = Arrays.copyOfRange(counts, c << 8, (c + 1) << 8);
      for (int v = 0; v < 256; v++) {
        sizes[c] += mine[v];
      }
      if (sizes[c] > 0) {
        freq[c] = Rans.normalize(mine, sizes[c]);
        estimate += Rans.estimate(mine, freq[c]);
      }
    }
    int limit = (int) (current * (1 - RANS_MARGIN));
    if (estimate >= limit || estimate >= orderZero) {
      return -1;
    }
    byte[] split = new byte[n];
    int[] next = new int[CONTEXTS];
    for (int c = 1; c < CONTEXTS; c++) {
      next[c] = next[c - 1] + sizes[c - 1];
    }
    int[] from = next.clone();
    for (int i = 0; i < n; i++) {
      split[next[ctx[i]]++] = b[off + i];
    }
    byte[] coded = new byte[limit];
    int header = 1 + 4 * CONTEXTS;
    coded[0] = (byte) low;
    ByteBuffer h = ByteBuffer.wrap(coded);
    int w = header;
    for (int c = 0; c < CONTEXTS; c++) {
      int len = 0;
      if (sizes[c] > 0) {
        len = Rans.encode(split, from[c], sizes[c], freq[c], coded, w, limit - w, scratch);
        if (len < 0) {
          return -1;
        }
      }
      h.putInt(1 + 4 * c, len);
      w += len;
    }
    System.arraycopy(coded, 0, out, at, w);
    return w;
  }

  /**
   * Every byte's context: a loop without a carried dependency, since the contexts come from the
   * stream itself, which the encoder has whole.
   */
  private static byte[] contexts(byte[] b, int off, int n, int low) {
    byte[] of = new byte[256];
    for (int m = 0; m < 256; m++) {
      of[m] = (byte) context(m, m, low);
    }
    byte[] ctx = new byte[n];
    if (n > 0) {
      ctx[0] = of[0];
    }
    if (n > 1) {
      ctx[1] = of[((b[off] & 0xff) + 1) >> 1];
    }
    for (int i = 2; i < n; i++) {
      ctx[i] = of[((b[off + i - 2] & 0xff) + (b[off + i - 1] & 0xff) + 1) >> 1];
    }
    return ctx;
  }

  /** Decodes a {@link #CONTEXT_RANS} stream of {@code n} bytes into {@code out} at {@code at}. */
  private static void decodeContextRans(
      byte[] in, int off, int len, byte[] out, int at, int n, int stream, Scratch scratch)
      throws CorruptObjectException {
    int header = 1 + 4 * CONTEXTS;
    if (len < header) {
      throw new CorruptObjectException(
          "context stream " + stream + " has " + len + " bytes, less than its header");
    }
    int low = in[off] & 0xff;
    ByteBuffer h = ByteBuffer.wrap(in, off, len);
    byte[] split = new byte[n];
    int[] next = new int[CONTEXTS];
    int[] end = new int[CONTEXTS];
    long p = off + header;
    int filled = 0;
    for (int c = 0; c < CONTEXTS; c++) {
      long sub = h.getInt(off + 1 + 4 * c) & 0xffffffffL;
      if (p + sub > off + len) {
        throw new CorruptObjectException(
            "context stream " + stream + " has a context of " + sub + " bytes past its end");
      }
      next[c] = filled;
      if (sub > 0) {
        if (sub < 4) {
          throw new CorruptObjectException(
              "context stream " + stream + " has a context of only " + sub + " bytes");
        }
        long count = ((int) ByteGrouping.INT.get(in, (int) p)) & 0xffffffffL;
        if (count > n - filled) {
          throw new CorruptObjectException(
              "context stream " + stream + " holds more than its " + n + " bytes");
        }
        Rans.decode(in, (int) p, (int) sub, split, filled, (int) count, stream, scratch);
        filled += (int) count;
      }
      end[c] = filled;
      p += sub;
    }
    if (p != off + len || filled != n) {
      throw new CorruptObjectException(
          "context stream " + stream + " does not hold exactly its " + n + " bytes");
    }
    int before = 0;
    int previous = 0;
    for (int i = 0; i < n; i++) {
      int c = context(before, previous, low);
      if (next[c] == end[c]) {
        throw new CorruptObjectException(
            "context stream " + stream + " runs out of bytes in context " + c);
      }
      byte v = split[next[c]++];
      out[at + i] = v;
      before = previous;
      previous = v & 0xff;
    }
  }

  /** zstd-compresses a stream into {@code out} at {@code at}; -1 if that does not shrink it. */
  private static int compress(ZstdCompressCtx ctx, byte[] src, int off, int n, byte[] out, int at) {
    int len;
    try {
      len = ctx.compressByteArray(out, at, out.length - at, src, off, n);
    } catch (ZstdException e) {
      return -1;
    }
    return len < n ? len : -1;
  }

  /**
   * Decodes a grouped payload, combining with {@code base} by {@code t}.
   *
   * @throws CorruptObjectException if the payload is malformed or does not yield {@code rawLength}
   *     bytes
   */
  static byte[] decode(byte[] payload, byte[] base, int rawLength, Transform t)
      throws CorruptObjectException {
    Layout l = parse(payload, rawLength);
    byte[] raw = new byte[rawLength];
    try (Scratch scratch = Scratch.borrow()) {
      byte[] grouped = scratch.grouped(l.n * l.width);
      for (int s = 0; s < l.width; s++) {
        l.stream(payload, s, grouped, s * l.n, scratch);
      }
      ByteGrouping.merge(grouped, base, l.width, l.n, t, l.rotated, raw);
    }
    System.arraycopy(payload, l.tailOffset, raw, l.n * l.width, rawLength - l.n * l.width);
    return raw;
  }

  /** Checks the header of {@code payload} and returns where everything is. */
  static Layout parse(byte[] payload, int rawLength) throws CorruptObjectException {
    if (payload.length < FIXED) {
      throw new CorruptObjectException(
          "grouped payload has " + payload.length + " bytes, less than its fixed header");
    }
    int width = payload[0] & 0xff;
    if (width != 1 && width != 2 && width != 4 && width != 8) {
      throw new CorruptObjectException(
          "grouped payload has unit width " + width + " at offset 0, expected 1, 2, 4 or 8");
    }
    int flags = payload[1] & 0xff;
    if ((flags & ~FLAG_ROTATED) != 0 || (width == 1 && flags != 0)) {
      throw new CorruptObjectException(
          String.format("grouped payload has unknown flags %02x at offset 1", flags));
    }
    int header = headerLength(width);
    if (payload.length < header) {
      throw new CorruptObjectException(
          "grouped payload has "
              + payload.length
              + " bytes, less than its "
              + header
              + "-byte header");
    }
    int n = rawLength / width;
    int tail = rawLength - n * width;
    ByteBuffer h = ByteBuffer.wrap(payload);
    int[] methods = new int[width];
    int[] offsets = new int[width];
    int[] lengths = new int[width];
    long at = header;
    for (int s = 0; s < width; s++) {
      int d = FIXED + PER_STREAM * s;
      methods[s] = payload[d] & 0xff;
      long len = h.getInt(d + 1) & 0xffffffffL;
      if (methods[s] != RAW
          && methods[s] != ZSTD
          && methods[s] != RANS
          && methods[s] != CONTEXT_RANS) {
        throw new CorruptObjectException(
            "stream " + s + " has unknown method " + methods[s] + " at offset " + d);
      }
      if (methods[s] == RAW && len != n) {
        throw new CorruptObjectException(
            "raw stream " + s + " has " + len + " bytes, expected " + n);
      }
      offsets[s] = (int) Math.min(at, Integer.MAX_VALUE);
      lengths[s] = (int) Math.min(len, Integer.MAX_VALUE);
      at += len;
    }
    if (at + tail != payload.length) {
      throw new CorruptObjectException(
          "grouped payload has "
              + payload.length
              + " bytes, its header accounts for "
              + (at + tail));
    }
    return new Layout(width, (flags & FLAG_ROTATED) != 0, n, methods, offsets, lengths, (int) at);
  }

  /** Where the parts of a checked payload are. */
  static final class Layout {
    final int width;
    final boolean rotated;
    final int n;
    final int[] methods;
    final int[] offsets;
    final int[] lengths;
    final int tailOffset;

    Layout(
        int width,
        boolean rotated,
        int n,
        int[] methods,
        int[] offsets,
        int[] lengths,
        int tailOffset) {
      this.width = width;
      this.rotated = rotated;
      this.n = n;
      this.methods = methods;
      this.offsets = offsets;
      this.lengths = lengths;
      this.tailOffset = tailOffset;
    }

    /** Decodes stream {@code s} into {@code out} at {@code at}. */
    void stream(byte[] payload, int s, byte[] out, int at) throws CorruptObjectException {
      try (Scratch scratch = Scratch.borrow()) {
        stream(payload, s, out, at, scratch);
      }
    }

    /** As {@link #stream(byte[], int, byte[], int)}, working in {@code scratch}. */
    void stream(byte[] payload, int s, byte[] out, int at, Scratch scratch)
        throws CorruptObjectException {
      if (methods[s] == RAW) {
        System.arraycopy(payload, offsets[s], out, at, n);
        return;
      }
      if (methods[s] == RANS) {
        Rans.decode(payload, offsets[s], lengths[s], out, at, n, s, scratch);
        return;
      }
      if (methods[s] == CONTEXT_RANS) {
        decodeContextRans(payload, offsets[s], lengths[s], out, at, n, s, scratch);
        return;
      }
      long got;
      try {
        got = Zstd.decompressByteArray(out, at, n, payload, offsets[s], lengths[s]);
      } catch (RuntimeException e) {
        throw new CorruptObjectException("zstd stream " + s + " is invalid: " + e.getMessage(), e);
      }
      if (Zstd.isError(got)) {
        throw new CorruptObjectException(
            "zstd stream " + s + " is invalid: " + Zstd.getErrorName(got));
      }
      if (got != n) {
        throw new CorruptObjectException(
            "zstd stream " + s + " decodes to " + got + " bytes, expected " + n);
      }
    }
  }
}
