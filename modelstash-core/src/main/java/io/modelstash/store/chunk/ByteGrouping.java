package io.modelstash.store.chunk;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The byte-grouping kernels: split little-endian units into one stream per byte position,
 * optionally rotating each unit left by one bit first (so the sign bit moves from the top to the
 * bottom and the top byte holds only exponent bits) and optionally combining it with a base unit;
 * and the exact inverse.
 *
 * <p>Only the first {@code n * width} bytes take part; callers keep the tail. Streams are laid out
 * back to back in one array: byte position {@code s} of unit {@code i} goes to {@code s * n + i}.
 * Loops are specialised per width and transform so the JIT sees simple counted loops with no
 * per-element allocation or dispatch.
 */
final class ByteGrouping {

  static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private ByteGrouping() {}

  /**
   * Writes the {@code width} streams of the first {@code n} units of {@code raw} into {@code out}.
   *
   * @param base the base chunk for {@link Transform#XOR} and {@link Transform#SUBTRACT}, else
   *     ignored
   * @param rotate whether to rotate each unit (and base unit) left by one bit first; ignored for
   *     width 1
   */
  static void split(
      byte[] raw, byte[] base, int width, int n, Transform t, boolean rotate, byte[] out) {
    int r = rotate ? 1 : 0;
    switch (width) {
      case 1:
        split8(raw, base, n, t, out);
        break;
      case 2:
        split16(raw, base, n, t, r, out);
        break;
      case 4:
        split32(raw, base, n, t, r, out);
        break;
      case 8:
        split64(raw, base, n, t, r, out);
        break;
      default:
        throw new IllegalArgumentException("Cannot group units of " + width + " bytes");
    }
  }

  /** The inverse of {@link #split}: rebuilds the first {@code n * width} bytes of {@code raw}. */
  static void merge(
      byte[] grouped, byte[] base, int width, int n, Transform t, boolean rotate, byte[] raw) {
    int r = rotate ? 1 : 0;
    switch (width) {
      case 1:
        merge8(grouped, base, n, t, raw);
        break;
      case 2:
        merge16(grouped, base, n, t, r, raw);
        break;
      case 4:
        merge32(grouped, base, n, t, r, raw);
        break;
      case 8:
        merge64(grouped, base, n, t, r, raw);
        break;
      default:
        throw new IllegalArgumentException("Cannot merge units of " + width + " bytes");
    }
  }

  private static void split8(byte[] raw, byte[] base, int n, Transform t, byte[] out) {
    switch (t) {
      case NONE:
        System.arraycopy(raw, 0, out, 0, n);
        break;
      case XOR:
        for (int i = 0; i < n; i++) {
          out[i] = (byte) (raw[i] ^ base[i]);
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          int d = (byte) (raw[i] - base[i]);
          out[i] = (byte) ((d << 1) ^ (d >> 7));
        }
        break;
    }
  }

  private static void merge8(byte[] in, byte[] base, int n, Transform t, byte[] raw) {
    switch (t) {
      case NONE:
        System.arraycopy(in, 0, raw, 0, n);
        break;
      case XOR:
        for (int i = 0; i < n; i++) {
          raw[i] = (byte) (in[i] ^ base[i]);
        }
        break;
      default:
        for (int i = 0; i < n; i++) {
          int z = in[i] & 0xff;
          raw[i] = (byte) (base[i] + ((z >>> 1) ^ -(z & 1)));
        }
        break;
    }
  }

  private static int rotl16(int x, int r) {
    return ((x << r) | (x >>> (16 - r))) & 0xffff;
  }

  private static int rotr16(int x, int r) {
    return ((x >>> r) | (x << (16 - r))) & 0xffff;
  }

  // One method per width and transform: small counted loops that the JIT compiles once, quickly.
  // Three loops behind a switch in one method were compiled loop by loop for on-stack replacement
  // and then again as a whole.

  private static void split16(byte[] raw, byte[] base, int n, Transform t, int r, byte[] out) {
    switch (t) {
      case NONE:
        split16None(raw, n, r, out);
        break;
      case XOR:
        split16Xor(raw, base, n, r, out);
        break;
      default:
        split16Subtract(raw, base, n, r, out);
        break;
    }
  }

  private static void split16None(byte[] raw, int n, int r, byte[] out) {
    for (int i = 0; i < n; i++) {
      int v = rotl16((short) SHORT.get(raw, 2 * i) & 0xffff, r);
      out[i] = (byte) v;
      out[n + i] = (byte) (v >>> 8);
    }
  }

  private static void split16Xor(byte[] raw, byte[] base, int n, int r, byte[] out) {
    for (int i = 0; i < n; i++) {
      int v = rotl16(((short) SHORT.get(raw, 2 * i) ^ (short) SHORT.get(base, 2 * i)) & 0xffff, r);
      out[i] = (byte) v;
      out[n + i] = (byte) (v >>> 8);
    }
  }

  private static void split16Subtract(byte[] raw, byte[] base, int n, int r, byte[] out) {
    for (int i = 0; i < n; i++) {
      int x = rotl16((short) SHORT.get(raw, 2 * i) & 0xffff, r);
      int b = rotl16((short) SHORT.get(base, 2 * i) & 0xffff, r);
      int d = (short) (x - b);
      int v = (d << 1) ^ (d >> 15);
      out[i] = (byte) v;
      out[n + i] = (byte) (v >>> 8);
    }
  }

  private static void merge16(byte[] in, byte[] base, int n, Transform t, int r, byte[] raw) {
    switch (t) {
      case NONE:
        merge16None(in, n, r, raw);
        break;
      case XOR:
        merge16Xor(in, base, n, r, raw);
        break;
      default:
        merge16Subtract(in, base, n, r, raw);
        break;
    }
  }

  private static void merge16None(byte[] in, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      int v = (in[i] & 0xff) | (in[n + i] & 0xff) << 8;
      SHORT.set(raw, 2 * i, (short) rotr16(v, r));
    }
  }

  private static void merge16Xor(byte[] in, byte[] base, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      int v = (in[i] & 0xff) | (in[n + i] & 0xff) << 8;
      SHORT.set(raw, 2 * i, (short) (rotr16(v, r) ^ (short) SHORT.get(base, 2 * i)));
    }
  }

  private static void merge16Subtract(byte[] in, byte[] base, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      int z = (in[i] & 0xff) | (in[n + i] & 0xff) << 8;
      int b = rotl16((short) SHORT.get(base, 2 * i) & 0xffff, r);
      int x = (b + ((z >>> 1) ^ -(z & 1))) & 0xffff;
      SHORT.set(raw, 2 * i, (short) rotr16(x, r));
    }
  }

  private static void split32(byte[] raw, byte[] base, int n, Transform t, int r, byte[] out) {
    switch (t) {
      case NONE:
        split32None(raw, n, r, out);
        break;
      case XOR:
        split32Xor(raw, base, n, r, out);
        break;
      default:
        split32Subtract(raw, base, n, r, out);
        break;
    }
  }

  /** Units per block of the 32-bit splits. */
  private static final int BLOCK = 4096;

  // The 32-bit splits work in blocks: one loop computes a block's units into an int array, then
  // one narrow loop per byte position stores them. Scattering each unit to four streams in one loop
  // ran slower and took C2 about 0.3 s per transform to compile (its vectoriser analysing the
  // four interleaved stores), a large share of a short command.

  private static void scatter32(int[] units, int m, byte[] out, int n, int at) {
    for (int s = 0; s < 4; s++) {
      int shift = 8 * s;
      int o = s * n + at;
      for (int i = 0; i < m; i++) {
        out[o + i] = (byte) (units[i] >>> shift);
      }
    }
  }

  private static void split32None(byte[] raw, int n, int r, byte[] out) {
    int[] units = new int[BLOCK];
    for (int at = 0; at < n; at += BLOCK) {
      int m = Math.min(BLOCK, n - at);
      for (int i = 0; i < m; i++) {
        units[i] = Integer.rotateLeft((int) INT.get(raw, 4 * (at + i)), r);
      }
      scatter32(units, m, out, n, at);
    }
  }

  private static void split32Xor(byte[] raw, byte[] base, int n, int r, byte[] out) {
    int[] units = new int[BLOCK];
    for (int at = 0; at < n; at += BLOCK) {
      int m = Math.min(BLOCK, n - at);
      for (int i = 0; i < m; i++) {
        int j = 4 * (at + i);
        units[i] = Integer.rotateLeft((int) INT.get(raw, j) ^ (int) INT.get(base, j), r);
      }
      scatter32(units, m, out, n, at);
    }
  }

  private static void split32Subtract(byte[] raw, byte[] base, int n, int r, byte[] out) {
    int[] units = new int[BLOCK];
    for (int at = 0; at < n; at += BLOCK) {
      int m = Math.min(BLOCK, n - at);
      for (int i = 0; i < m; i++) {
        int j = 4 * (at + i);
        int d =
            Integer.rotateLeft((int) INT.get(raw, j), r)
                - Integer.rotateLeft((int) INT.get(base, j), r);
        units[i] = (d << 1) ^ (d >> 31);
      }
      scatter32(units, m, out, n, at);
    }
  }

  private static int gather32(byte[] in, int n, int i) {
    return (in[i] & 0xff)
        | (in[n + i] & 0xff) << 8
        | (in[2 * n + i] & 0xff) << 16
        | (in[3 * n + i] & 0xff) << 24;
  }

  private static void merge32(byte[] in, byte[] base, int n, Transform t, int r, byte[] raw) {
    switch (t) {
      case NONE:
        merge32None(in, n, r, raw);
        break;
      case XOR:
        merge32Xor(in, base, n, r, raw);
        break;
      default:
        merge32Subtract(in, base, n, r, raw);
        break;
    }
  }

  private static void merge32None(byte[] in, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      INT.set(raw, 4 * i, Integer.rotateRight(gather32(in, n, i), r));
    }
  }

  private static void merge32Xor(byte[] in, byte[] base, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      INT.set(raw, 4 * i, Integer.rotateRight(gather32(in, n, i), r) ^ (int) INT.get(base, 4 * i));
    }
  }

  private static void merge32Subtract(byte[] in, byte[] base, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      int z = gather32(in, n, i);
      int b = Integer.rotateLeft((int) INT.get(base, 4 * i), r);
      INT.set(raw, 4 * i, Integer.rotateRight(b + ((z >>> 1) ^ -(z & 1)), r));
    }
  }

  private static void scatter64(long v, byte[] out, int n, int i) {
    for (int s = 0; s < 8; s++) {
      out[s * n + i] = (byte) (v >>> (8 * s));
    }
  }

  private static long gather64(byte[] in, int n, int i) {
    long v = 0;
    for (int s = 0; s < 8; s++) {
      v |= (in[s * n + i] & 0xffL) << (8 * s);
    }
    return v;
  }

  private static void split64(byte[] raw, byte[] base, int n, Transform t, int r, byte[] out) {
    switch (t) {
      case NONE:
        split64None(raw, n, r, out);
        break;
      case XOR:
        split64Xor(raw, base, n, r, out);
        break;
      default:
        split64Subtract(raw, base, n, r, out);
        break;
    }
  }

  private static void split64None(byte[] raw, int n, int r, byte[] out) {
    for (int i = 0; i < n; i++) {
      scatter64(Long.rotateLeft((long) LONG.get(raw, 8 * i), r), out, n, i);
    }
  }

  private static void split64Xor(byte[] raw, byte[] base, int n, int r, byte[] out) {
    for (int i = 0; i < n; i++) {
      long v = (long) LONG.get(raw, 8 * i) ^ (long) LONG.get(base, 8 * i);
      scatter64(Long.rotateLeft(v, r), out, n, i);
    }
  }

  private static void split64Subtract(byte[] raw, byte[] base, int n, int r, byte[] out) {
    for (int i = 0; i < n; i++) {
      long d =
          Long.rotateLeft((long) LONG.get(raw, 8 * i), r)
              - Long.rotateLeft((long) LONG.get(base, 8 * i), r);
      scatter64((d << 1) ^ (d >> 63), out, n, i);
    }
  }

  private static void merge64(byte[] in, byte[] base, int n, Transform t, int r, byte[] raw) {
    switch (t) {
      case NONE:
        merge64None(in, n, r, raw);
        break;
      case XOR:
        merge64Xor(in, base, n, r, raw);
        break;
      default:
        merge64Subtract(in, base, n, r, raw);
        break;
    }
  }

  private static void merge64None(byte[] in, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      LONG.set(raw, 8 * i, Long.rotateRight(gather64(in, n, i), r));
    }
  }

  private static void merge64Xor(byte[] in, byte[] base, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      long v = Long.rotateRight(gather64(in, n, i), r);
      LONG.set(raw, 8 * i, v ^ (long) LONG.get(base, 8 * i));
    }
  }

  private static void merge64Subtract(byte[] in, byte[] base, int n, int r, byte[] raw) {
    for (int i = 0; i < n; i++) {
      long z = gather64(in, n, i);
      long b = Long.rotateLeft((long) LONG.get(base, 8 * i), r);
      LONG.set(raw, 8 * i, Long.rotateRight(b + ((z >>> 1) ^ -(z & 1)), r));
    }
  }
}
