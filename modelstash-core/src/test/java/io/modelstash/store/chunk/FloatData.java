package io.modelstash.store.chunk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test data for the model-aware codecs: bit patterns that float handling tends to get wrong, and
 * realistic weights, as little-endian bytes of a given unit width. Built from bit patterns, never
 * through {@code float}/{@code double} values, so NaN payloads survive exactly.
 */
final class FloatData {

  private FloatData() {}

  /** Every element type the codecs distinguish. */
  static List<ElementType> types() {
    return List.of(
        ElementType.OPAQUE,
        ElementType.FLOAT8,
        ElementType.FLOAT16,
        ElementType.FLOAT32,
        ElementType.FLOAT64,
        new ElementType(4, true, true),
        new ElementType(8, true, true),
        new ElementType(16, true, true),
        ElementType.integer(2),
        ElementType.integer(4),
        ElementType.integer(8));
  }

  /**
   * Special bit patterns for units of {@code width} bytes: signalling and quiet NaNs with payload
   * bits of both signs, ±infinity, the smallest and largest denormals, ±0, ±1 and the extremes. For
   * width 2 both float16 and bfloat16 patterns are included.
   */
  static long[] specials(int width) {
    switch (width) {
      case 1:
        return new long[] {0x00, 0x80, 0x7f, 0xff, 0x7c, 0x7d, 0xfd, 0x01, 0x81, 0x38};
      case 2:
        return new long[] {
          0x7c01,
          0x7e01,
          0xfc01,
          0xfe3f,
          0x7c00,
          0xfc00,
          0x0001,
          0x03ff,
          0x8001,
          0x8000,
          0x0000,
          0x3c00,
          0x7bff, // float16
          0x7f81,
          0x7fc1,
          0xff81,
          0xffff,
          0x7f80,
          0xff80,
          0x007f,
          0x807f,
          0x3f80,
          0x7f7f // bfloat16
        };
      case 4:
        return new long[] {
          0x7f800001L, 0x7fbfffffL, 0x7fc00001L, 0xffc12345L, 0xff800001L, 0x7f800000L,
          0xff800000L, 0x00000001L, 0x007fffffL, 0x80000001L, 0x80000000L, 0x00000000L,
          0x3f800000L, 0x7f7fffffL, 0xff7fffffL
        };
      case 8:
        return new long[] {
          0x7ff0000000000001L,
          0x7ff7ffffffffffffL,
          0x7ff8000000000001L,
          0xfff8000000abcdefL,
          0xfff0000000000001L,
          0x7ff0000000000000L,
          0xfff0000000000000L,
          0x0000000000000001L,
          0x000fffffffffffffL,
          0x8000000000000001L,
          0x8000000000000000L,
          0L,
          0x3ff0000000000000L,
          0x7fefffffffffffffL
        };
      default:
        throw new IllegalArgumentException("width " + width);
    }
  }

  /** {@code units} units of {@code width} bytes, each a special pattern or random bits. */
  static byte[] mixed(int width, int units, int tail, long seed) {
    Random r = new Random(seed);
    long[] sp = specials(width);
    ByteBuffer b = ByteBuffer.allocate(units * width + tail).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < units; i++) {
      long v = r.nextInt(3) == 0 ? r.nextLong() : sp[r.nextInt(sp.length)];
      put(b, width, v);
    }
    while (b.hasRemaining()) {
      b.put((byte) r.nextInt());
    }
    return b.array();
  }

  /** Gaussian weights (standard deviation {@code scale}) as units of {@code width} bytes. */
  static byte[] gaussian(int width, int units, int tail, double scale, long seed) {
    Random r = new Random(seed);
    ByteBuffer b = ByteBuffer.allocate(units * width + tail).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < units; i++) {
      put(b, width, bitsOf(width, r.nextGaussian() * scale));
    }
    while (b.hasRemaining()) {
      b.put((byte) r.nextInt());
    }
    return b.array();
  }

  /** The bit pattern of {@code v} in the float format of {@code width} bytes (bfloat16 for 2). */
  static long bitsOf(int width, double v) {
    switch (width) {
      case 1:
        return (Float.floatToRawIntBits((float) v) >>> 24) & 0xff;
      case 2:
        return (Float.floatToRawIntBits((float) v) >>> 16) & 0xffff;
      case 4:
        return Float.floatToRawIntBits((float) v) & 0xffffffffL;
      default:
        return Double.doubleToRawLongBits(v);
    }
  }

  /**
   * {@code raw} with about {@code fraction} of its units nudged by a small random step in their bit
   * pattern, like a training update; the tail is kept.
   */
  static byte[] nudged(byte[] raw, int width, double fraction, long seed) {
    Random r = new Random(seed);
    byte[] out = raw.clone();
    ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    int units = raw.length / width;
    for (int i = 0; i < units; i++) {
      if (r.nextDouble() < fraction) {
        long v = get(b, width, i * width) + r.nextInt(41) - 20;
        b.position(i * width);
        put(b, width, v);
      }
    }
    return out;
  }

  /** Cases every codec must round-trip for units of {@code width} bytes. */
  static List<Named> cases(int width) {
    List<Named> out = new ArrayList<>();
    out.add(new Named("empty", new byte[0]));
    out.add(new Named("one byte", new byte[] {(byte) 0x81}));
    for (int tail = 0; tail < Math.max(2, width); tail++) {
      out.add(new Named("specials+" + tail, mixed(width, 1001, tail, tail)));
      out.add(new Named("gaussian+" + tail, gaussian(width, 997, tail, 0.02, tail)));
    }
    out.add(new Named("less than one unit", mixed(1, Math.max(1, width - 1), 0, 5)));
    byte[] random = new byte[4099];
    new Random(7).nextBytes(random);
    out.add(new Named("random", random));
    out.add(new Named("zeros", new byte[4096 + width / 2]));
    ByteBuffer ones = ByteBuffer.allocate(width * 3000).order(ByteOrder.LITTLE_ENDIAN);
    while (ones.hasRemaining()) {
      put(ones, width, bitsOf(width, 1.0));
    }
    out.add(new Named("constant 1.0", ones.array()));
    out.add(new Named("large", gaussian(width, 300_000 / width, width - 1, 0.02, 9)));
    return out;
  }

  /** A named byte array, so parameterized test names say which case failed. */
  record Named(String name, byte[] bytes) {
    @Override
    public String toString() {
      return name + " (" + bytes.length + " bytes)";
    }
  }

  static void put(ByteBuffer b, int width, long v) {
    switch (width) {
      case 1:
        b.put((byte) v);
        break;
      case 2:
        b.putShort((short) v);
        break;
      case 4:
        b.putInt((int) v);
        break;
      default:
        b.putLong(v);
        break;
    }
  }

  static long get(ByteBuffer b, int width, int at) {
    switch (width) {
      case 1:
        return b.get(at) & 0xff;
      case 2:
        return b.getShort(at) & 0xffff;
      case 4:
        return b.getInt(at) & 0xffffffffL;
      default:
        return b.getLong(at);
    }
  }
}
