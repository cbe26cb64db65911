package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The payload of the magnitude delta codec (layout in {@code package-info}): the zigzag difference
 * z of each unit from its base unit, as in the subtract delta, coded as its bit length k, its low
 * two bits and the k − 3 bits between them and its leading one.
 *
 * <p>An optimiser moves a weight by an amount that hardly depends on the weight's size, so the
 * difference in units of the last place, and with it k, grows as the base element's exponent
 * shrinks. The lengths are therefore coded with one rANS table per base exponent (the exponents
 * below the busiest few share the last table), which the decoder can follow because it has the base
 * before it starts. The bits below the leading one are close to random and are packed as they are,
 * except the lowest two: with the rotated layout, a change that keeps the sign makes them 00 or 11,
 * the direction of the change, so they go into the same rANS symbol as the length, which also
 * catches how direction and length go together (AdamW's second moments mostly decay).
 *
 * <p>Measured on consecutive S1 checkpoints (AdamW-trained float32 weights and moments) against the
 * byte-grouped subtract delta: 1.4–1.7% smaller, all of it from the lengths and the low bits.
 */
final class MagnitudePayload {

  /** Flag bit: units were rotated left by one bit before the difference was taken. */
  static final int FLAG_ROTATED = 1;

  /** Most length tables a payload has; the busiest exponents get their own. */
  static final int MAX_CONTEXTS = 24;

  /** An exponent gets its own table only with at least this share of the units (1 / 2^n). */
  private static final int OWN_TABLE_SHIFT = 6;

  /**
   * An exponent gets its own table only with at least this many units. A table costs tens of bytes
   * whatever the chunk's length, so without a floor a sample of a chunk (a few thousand units, see
   * {@code CodecSelector}) had more tables per unit than the whole chunk, and the selector passed
   * over this codec where it was best; on S1 the floor also left the store 35 KB smaller.
   */
  static final int MIN_OWN = 1024;

  private static final int FIXED = 4;

  private static final int PER_STREAM = 5;

  /** Stream method: one byte per symbol. */
  static final int RAW = 0;

  /**
   * Stream method: every symbol is one byte; stored as that byte and the count (u32 little-endian),
   * 5 bytes against rANS's 16 for a stream of one symbol (a context where nothing changed).
   */
  static final int CONSTANT = 1;

  /** Stream method: {@link Rans}-coded. */
  static final int RANS = 2;

  private static final VarHandle SHORT = ByteGrouping.SHORT;
  private static final VarHandle INT = ByteGrouping.INT;
  private static final VarHandle LONG = ByteGrouping.LONG;

  private MagnitudePayload() {}

  /** Whether units of {@code width} bytes can be coded this way. */
  static boolean accepts(int width) {
    return width == 2 || width == 4 || width == 8;
  }

  /**
   * Encodes {@code raw} against {@code base} (the same length) in units of {@code width}. Each pass
   * is a small loop of its own, so the JIT compiles it once, quickly: one method with every pass
   * made the first puts of a JVM markedly slower.
   */
  static byte[] encode(byte[] raw, byte[] base, int width, boolean rotate) {
    int n = raw.length / width;
    int tail = raw.length - n * width;
    // each unit's exponent, then, once the contexts are chosen, its context
    byte[] ctxOf = exponents(base, width, n);
    int[] perExponent = new int[256];
    Entropy.histogram(ctxOf, 0, n, 1, perExponent);
    int own = Math.max(MIN_OWN, n >> OWN_TABLE_SHIFT);
    int top = 255;
    while (top > 0 && perExponent[top] < own) {
      top--;
    }
    int contexts = 1;
    while (contexts < MAX_CONTEXTS && top - contexts >= 0 && perExponent[top - contexts] >= own) {
      contexts++;
    }
    int[] counts = toContexts(ctxOf, perExponent, top, contexts);
    long[] zs = new long[n];
    if (width == 4) {
      differences32(raw, base, n, rotate, zs);
    } else {
      differences(raw, base, width, n, rotate, zs);
    }
    byte[] symbols = new byte[n];
    long midTotal = symbols(zs, symbols);
    // one stream per context, each in unit order
    byte[] streams = scatter(symbols, ctxOf, counts);
    byte[] bitString = pack(zs, (int) ((midTotal + 7) >>> 3));
    int header = headerLength(contexts);
    byte[] out = new byte[header + n + bitString.length + tail];
    out[0] = (byte) width;
    out[1] = (byte) (rotate ? FLAG_ROTATED : 0);
    out[2] = (byte) top;
    out[3] = (byte) contexts;
    ByteBuffer h = ByteBuffer.wrap(out);
    int p = header;
    int from = 0;
    try (Scratch scratch = Scratch.borrow()) {
      for (int s = 0; s < contexts; s++) {
        int count = counts[s];
        int len = count;
        int method = RAW;
        if (count >= 6 && constant(streams, from, count)) {
          method = CONSTANT;
          len = 5;
          out[p] = streams[from];
          INT.set(out, p + 1, count);
        } else if (count >= 16) {
          int[] histogram = new int[256];
          Entropy.histogram(streams, from, count, 1, histogram);
          int[] freq = Rans.normalize(histogram, count);
          int coded = Rans.encode(streams, from, count, freq, out, p, count, scratch);
          if (coded > 0) {
            method = RANS;
            len = coded;
          }
        }
        if (method == RAW) {
          System.arraycopy(streams, from, out, p, count);
        }
        out[FIXED + PER_STREAM * s] = (byte) method;
        h.putInt(FIXED + PER_STREAM * s + 1, len);
        p += len;
        from += count;
      }
    }
    h.putInt(FIXED + PER_STREAM * contexts, bitString.length);
    System.arraycopy(bitString, 0, out, p, bitString.length);
    p += bitString.length;
    System.arraycopy(raw, n * width, out, p, tail);
    return Arrays.copyOf(out, p + tail);
  }

  /** The zigzag differences of 32-bit units from their base units, rotated first or not. */
  private static void differences32(byte[] raw, byte[] base, int n, boolean rotate, long[] out) {
    int r = rotate ? 1 : 0;
    for (int i = 0; i < n; i++) {
      int x = (int) INT.get(raw, 4 * i);
      int b = (int) INT.get(base, 4 * i);
      int d = ((x << r) | (x >>> (32 - r))) - ((b << r) | (b >>> (32 - r)));
      out[i] = ((d << 1) ^ (d >> 31)) & 0xffffffffL;
    }
  }

  private static void differences(
      byte[] raw, byte[] base, int width, int n, boolean rotate, long[] out) {
    int bits = 8 * width;
    for (int i = 0; i < n; i++) {
      long x = load(raw, i, width);
      long b = load(base, i, width);
      out[i] = zigzag(rotate ? rotl(x, bits) - rotl(b, bits) : x - b, bits);
    }
  }

  /** Each unit's symbol; returns the number of bits between the leading ones and low bits. */
  private static long symbols(long[] zs, byte[] out) {
    long mid = 0;
    for (int i = 0; i < zs.length; i++) {
      long z = zs[i];
      int k = 64 - Long.numberOfLeadingZeros(z);
      out[i] = (byte) (k < 2 ? k : 2 + ((k - 2) << 2) + (z & 3));
      mid += Math.max(k - 3, 0);
    }
    return mid;
  }

  /** The symbols grouped by context, each context's in unit order. */
  private static byte[] scatter(byte[] symbols, byte[] ctxOf, int[] counts) {
    int[] at = new int[counts.length];
    for (int c = 1; c < at.length; c++) {
      at[c] = at[c - 1] + counts[c - 1];
    }
    byte[] out = new byte[symbols.length];
    for (int i = 0; i < symbols.length; i++) {
      out[at[ctxOf[i]]++] = symbols[i];
    }
    return out;
  }

  /**
   * The bits of every difference between its leading one and its two low bits, least significant
   * first, unit after unit, in {@code bytes} bytes.
   */
  private static byte[] pack(long[] zs, int bytes) {
    byte[] out = new byte[bytes + 8];
    long acc = 0;
    int used = 0;
    int p = 0;
    for (long z : zs) {
      int m = 61 - Long.numberOfLeadingZeros(z);
      if (m <= 0) {
        continue;
      }
      long v = z >>> 2;
      if (m > 32) {
        acc |= (v & 0xffffffffL) << used;
        used += 32;
        v >>>= 32;
        m -= 32;
        if (used >= 32) {
          INT.set(out, p, (int) acc);
          p += 4;
          acc >>>= 32;
          used -= 32;
        }
      }
      acc |= (v & ((1L << m) - 1)) << used;
      used += m;
      if (used >= 32) {
        INT.set(out, p, (int) acc);
        p += 4;
        acc >>>= 32;
        used -= 32;
      }
    }
    INT.set(out, p, (int) acc);
    return Arrays.copyOf(out, bytes);
  }

  /**
   * The payload's streams as {@link Entropy} reports them, without the base: each context's symbols
   * (a constant or rANS stream records its count), the packed bits, then the tail if any.
   */
  static List<Entropy.Stream> streams(byte[] payload, int rawLength) throws CorruptObjectException {
    Layout l = parse(payload, rawLength);
    List<Entropy.Stream> out = new ArrayList<>();
    try (Scratch scratch = Scratch.borrow()) {
      for (int s = 0; s < l.contexts; s++) {
        byte[] symbols = new byte[l.storedCount(payload, s, rawLength / l.width)];
        l.stream(payload, s, symbols, 0, symbols.length, scratch);
        out.add(new Entropy.Stream(symbols.length, l.lengths[s], Entropy.bits(symbols)));
      }
    }
    out.add(
        new Entropy.Stream(
            l.bitsLength, l.bitsLength, Entropy.bits(payload, l.bitsOffset, l.bitsLength)));
    int tail = payload.length - l.bitsOffset - l.bitsLength;
    if (tail > 0) {
      out.add(new Entropy.Stream(tail, tail, Entropy.bits(payload, payload.length - tail, tail)));
    }
    return out;
  }

  /** The u32 little-endian symbol count at {@code at}, checked to be at most {@code max}. */
  private static int count(byte[] payload, int at, int stream, int max)
      throws CorruptObjectException {
    long count = ((int) INT.get(payload, at)) & 0xffffffffL;
    if (count > max) {
      throw new CorruptObjectException(
          "magnitude stream "
              + stream
              + " holds "
              + count
              + " symbols, more than the "
              + max
              + " units");
    }
    return (int) count;
  }

  private static int headerLength(int contexts) {
    return FIXED + PER_STREAM * contexts + 4;
  }

  /** Checks the header of {@code payload} and returns where everything is. */
  static Layout parse(byte[] payload, int rawLength) throws CorruptObjectException {
    if (payload.length < FIXED) {
      throw new CorruptObjectException(
          "magnitude payload has " + payload.length + " bytes, less than its fixed header");
    }
    int width = payload[0] & 0xff;
    if (!accepts(width)) {
      throw new CorruptObjectException(
          "magnitude payload has unit width " + width + " at offset 0, expected 2, 4 or 8");
    }
    int flags = payload[1] & 0xff;
    if ((flags & ~FLAG_ROTATED) != 0) {
      throw new CorruptObjectException(
          String.format("magnitude payload has unknown flags %02x at offset 1", flags));
    }
    int contexts = payload[3] & 0xff;
    if (contexts < 1 || contexts > MAX_CONTEXTS) {
      throw new CorruptObjectException(
          "magnitude payload has "
              + contexts
              + " contexts at offset 3, expected 1 to "
              + MAX_CONTEXTS);
    }
    int header = headerLength(contexts);
    if (payload.length < header) {
      throw new CorruptObjectException(
          "magnitude payload has "
              + payload.length
              + " bytes, less than its "
              + header
              + "-byte header");
    }
    ByteBuffer h = ByteBuffer.wrap(payload);
    int[] methods = new int[contexts];
    int[] offsets = new int[contexts];
    int[] lengths = new int[contexts];
    long p = header;
    for (int s = 0; s < contexts; s++) {
      int d = FIXED + PER_STREAM * s;
      methods[s] = payload[d] & 0xff;
      long len = h.getInt(d + 1) & 0xffffffffL;
      if (methods[s] != RAW && methods[s] != CONSTANT && methods[s] != RANS) {
        throw new CorruptObjectException(
            "magnitude stream " + s + " has unknown method " + methods[s] + " at offset " + d);
      }
      if (p + len > payload.length) {
        throw new CorruptObjectException(
            "magnitude stream " + s + " of " + len + " bytes runs past the payload");
      }
      if (methods[s] == CONSTANT && len != 5) {
        throw new CorruptObjectException(
            "constant magnitude stream " + s + " has " + len + " bytes, expected 5");
      }
      offsets[s] = (int) p;
      lengths[s] = (int) len;
      p += len;
    }
    long bits = h.getInt(FIXED + PER_STREAM * contexts) & 0xffffffffL;
    int tail = rawLength - rawLength / width * width;
    if (p + bits + tail != payload.length) {
      throw new CorruptObjectException(
          "magnitude payload has "
              + payload.length
              + " bytes, its header accounts for "
              + (p + bits + tail));
    }
    return new Layout(
        width,
        flags != 0,
        payload[2] & 0xff,
        contexts,
        methods,
        offsets,
        lengths,
        (int) p,
        (int) bits);
  }

  /** Where the parts of a checked payload are. */
  record Layout(
      int width,
      boolean rotated,
      int top,
      int contexts,
      int[] methods,
      int[] offsets,
      int[] lengths,
      int bitsOffset,
      int bitsLength) {

    /** How many symbols stream {@code s} says it holds, at most {@code max}. */
    int storedCount(byte[] payload, int s, int max) throws CorruptObjectException {
      switch (methods[s]) {
        case RAW:
          if (lengths[s] > max) {
            throw new CorruptObjectException(
                "raw magnitude stream " + s + " has " + lengths[s] + " bytes, more than " + max);
          }
          return lengths[s];
        case CONSTANT:
          return count(payload, offsets[s] + 1, s, max);
        default:
          if (lengths[s] < 4) {
            throw new CorruptObjectException("magnitude stream " + s + " has no count");
          }
          return count(payload, offsets[s], s, max);
      }
    }

    /** Decodes stream {@code s}, which must hold {@code count} symbols, into {@code dst}. */
    void stream(byte[] payload, int s, byte[] dst, int at, int count, Scratch scratch)
        throws CorruptObjectException {
      int p = offsets[s];
      switch (methods[s]) {
        case RAW:
          if (lengths[s] != count) {
            throw new CorruptObjectException(
                "raw magnitude stream " + s + " has " + lengths[s] + " bytes, expected " + count);
          }
          System.arraycopy(payload, p, dst, at, count);
          break;
        case CONSTANT:
          long stored = ((int) INT.get(payload, p + 1)) & 0xffffffffL;
          if (stored != count) {
            throw new CorruptObjectException(
                "constant magnitude stream "
                    + s
                    + " holds "
                    + stored
                    + " symbols, expected "
                    + count);
          }
          Arrays.fill(dst, at, at + count, payload[p]);
          break;
        default:
          Rans.decode(payload, p, lengths[s], dst, at, count, s, scratch);
          break;
      }
    }
  }

  /**
   * Decodes a payload against {@code base}.
   *
   * @throws CorruptObjectException if the payload is malformed or does not yield {@code rawLength}
   *     bytes
   */
  static byte[] decode(byte[] payload, byte[] base, int rawLength) throws CorruptObjectException {
    Layout l = parse(payload, rawLength);
    int width = l.width;
    int n = rawLength / width;
    int bits = 8 * width;
    byte[] ctxOf = exponents(base, width, n);
    int[] perExponent = new int[256];
    Entropy.histogram(ctxOf, 0, n, 1, perExponent);
    int[] counts = toContexts(ctxOf, perExponent, l.top, l.contexts);
    int[] at = new int[l.contexts];
    byte[] streams = new byte[n];
    try (Scratch scratch = Scratch.borrow()) {
      for (int s = 0; s < l.contexts; s++) {
        at[s] = s == 0 ? 0 : at[s - 1] + counts[s - 1];
        l.stream(payload, s, streams, at[s], counts[s], scratch);
      }
    }
    byte[] raw = new byte[rawLength];
    if (width == 4) {
      units32(payload, l.bitsOffset, l.bitsLength, streams, at, ctxOf, base, l.rotated, raw, n);
    } else {
      BitReader r = new BitReader(payload, l.bitsOffset, l.bitsLength);
      for (int i = 0; i < n; i++) {
        int s = streams[at[ctxOf[i]]++] & 0xff;
        long z = s;
        if (s >= 2) {
          int k = 2 + ((s - 2) >>> 2);
          long lo = (s - 2) & 3;
          if (k > bits || (k == 2 && lo < 2)) {
            throw invalidSymbol(s, i);
          }
          z = k == 2 ? lo : 1L << (k - 1) | (k > 3 ? r.read(k - 3) << 2 : 0) | lo;
        }
        long d = (z >>> 1) ^ -(z & 1);
        long b = load(base, i, width);
        store(raw, i, width, l.rotated ? rotr(rotl(b, bits) + d, bits) : b + d);
      }
      if (!r.exhausted()) {
        throw leftOver();
      }
    }
    int tailAt = l.bitsOffset + l.bitsLength;
    System.arraycopy(payload, tailAt, raw, n * width, rawLength - n * width);
    return raw;
  }

  private static CorruptObjectException invalidSymbol(int s, int unit) {
    return new CorruptObjectException("magnitude symbol " + s + " of unit " + unit + " is invalid");
  }

  private static CorruptObjectException leftOver() {
    return new CorruptObjectException("magnitude payload has bits left over after every unit");
  }

  /**
   * The last step of {@link #decode} for 32-bit units, in int arithmetic, reading each unit's bits
   * with one unaligned load: the generic loop took about twice as long. At most 29 bits are read
   * per unit.
   */
  private static void units32(
      byte[] payload,
      int bp,
      int bitBytes,
      byte[] streams,
      int[] at,
      byte[] ctxOf,
      byte[] base,
      boolean rotated,
      byte[] raw,
      int n)
      throws CorruptObjectException {
    long bit = 8L * bp;
    long bitEnd = 8L * (bp + bitBytes);
    int fast = payload.length - 8;
    int r = rotated ? 1 : 0;
    for (int i = 0; i < n; i++) {
      int s = streams[at[ctxOf[i]]++] & 0xff;
      int z = s;
      if (s >= 2) {
        int k = 2 + ((s - 2) >>> 2);
        int lo = (s - 2) & 3;
        if (k > 32 || (k == 2 && lo < 2)) {
          throw invalidSymbol(s, i);
        }
        if (k == 2) {
          z = lo;
        } else {
          // one unaligned eight-byte read per unit, no refill branches: m <= 29, shift <= 7
          int m = k - 3;
          int at8 = (int) (bit >>> 3);
          long word = at8 <= fast ? (long) LONG.get(payload, at8) : tailWord(payload, at8);
          long mid = (word >>> (bit & 7)) & ((1L << m) - 1);
          bit += m;
          z = (int) (1L << (k - 1) | mid << 2 | lo);
        }
      }
      int d = (z >>> 1) ^ -(z & 1);
      int b = (int) INT.get(base, 4 * i);
      int rb = (b << r) | (b >>> (32 - r));
      int x = rb + d;
      INT.set(raw, 4 * i, (x >>> r) | (x << (32 - r)));
    }
    if (bit > bitEnd) {
      throw new CorruptObjectException("magnitude payload ends before its last unit's bits");
    }
    if (bitEnd - bit >= 8
        || (bit < bitEnd && (payload[(int) (bit >>> 3)] & 0xff) >>> (bit & 7) != 0)) {
      throw leftOver();
    }
  }

  /** The eight bytes from {@code at} as a little-endian long, zeros past the end of {@code b}. */
  private static long tailWord(byte[] b, int at) {
    long w = 0;
    for (int i = 0; i < 8 && at + i < b.length; i++) {
      w |= (long) (b[at + i] & 0xff) << (8 * i);
    }
    return w;
  }

  private static boolean constant(byte[] b, int off, int n) {
    byte first = b[off];
    for (int i = off + 1; i < off + n; i++) {
      if (b[i] != first) {
        return false;
      }
    }
    return true;
  }

  /** Every base unit's exponent (see {@link #exponent}), one byte each. */
  private static byte[] exponents(byte[] base, int width, int n) {
    byte[] out = new byte[n];
    if (width == 4) {
      for (int i = 0; i < n; i++) {
        out[i] = (byte) (((int) INT.get(base, 4 * i) << 1) >>> 24);
      }
    } else {
      int bits = 8 * width;
      for (int i = 0; i < n; i++) {
        out[i] = (byte) exponent(load(base, i, width), bits);
      }
    }
    return out;
  }

  /**
   * Turns every unit's exponent into its context, in place, and returns how many units each context
   * has (from {@code histogram}, the exponents' counts).
   */
  private static int[] toContexts(byte[] exponents, int[] histogram, int top, int contexts) {
    byte[] of = new byte[256];
    int[] counts = new int[contexts];
    for (int e = 0; e < 256; e++) {
      of[e] = (byte) context(e, top, contexts);
      counts[of[e]] += histogram[e];
    }
    for (int i = 0; i < exponents.length; i++) {
      exponents[i] = of[exponents[i] & 0xff];
    }
    return counts;
  }

  /** The top eight bits of a unit's magnitude: the exponent, for the float formats. */
  static int exponent(long unit, int bits) {
    return (int) ((unit << (65 - bits)) >>> 56);
  }

  private static int context(int exponent, int top, int contexts) {
    return Math.min(Math.max(top - exponent, 0), contexts - 1);
  }

  private static long zigzag(long d, int bits) {
    long s = (d << (64 - bits)) >> (64 - bits);
    long z = (s << 1) ^ (s >> 63);
    return bits == 64 ? z : z & ((1L << bits) - 1);
  }

  private static long rotl(long u, int bits) {
    long m = bits == 64 ? -1L : (1L << bits) - 1;
    return ((u << 1) | (u >>> (bits - 1))) & m;
  }

  private static long rotr(long u, int bits) {
    long m = bits == 64 ? -1L : (1L << bits) - 1;
    u &= m;
    return ((u >>> 1) | (u << (bits - 1))) & m;
  }

  private static long load(byte[] b, int i, int width) {
    switch (width) {
      case 2:
        return (short) SHORT.get(b, 2 * i) & 0xffffL;
      case 4:
        return (int) INT.get(b, 4 * i) & 0xffffffffL;
      default:
        return (long) LONG.get(b, 8 * i);
    }
  }

  private static void store(byte[] b, int i, int width, long v) {
    switch (width) {
      case 2:
        SHORT.set(b, 2 * i, (short) v);
        break;
      case 4:
        INT.set(b, 4 * i, (int) v);
        break;
      default:
        LONG.set(b, 8 * i, v);
        break;
    }
  }

  /** Reads the bit string {@link #pack} wrote. */
  static final class BitReader {
    private final byte[] in;
    private final int end;
    private int p;
    private long acc;
    private int have;

    BitReader(byte[] in, int off, int len) {
      this.in = in;
      this.p = off;
      this.end = off + len;
    }

    /** The next {@code count} bits, 1 to 61. */
    long read(int count) throws CorruptObjectException {
      if (count > 32) {
        long lowBits = read(32);
        return lowBits | read(count - 32) << 32;
      }
      if (have < count) {
        while (have <= 56 && p < end) {
          acc |= (long) (in[p++] & 0xff) << have;
          have += 8;
        }
        if (have < count) {
          throw new CorruptObjectException("magnitude payload ends before its last unit's bits");
        }
      }
      long v = acc & ((1L << count) - 1);
      acc >>>= count;
      have -= count;
      return v;
    }

    /** Whether every byte was read and the bits left in the last one are zero. */
    boolean exhausted() {
      return p == end && acc == 0;
    }
  }
}
