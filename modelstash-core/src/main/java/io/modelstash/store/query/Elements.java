package io.modelstash.store.query;

import io.modelstash.format.DType;

/**
 * Reads element values from little-endian bytes: floating-point types (including float16, bfloat16
 * and the two common float8 types) as doubles, integers and bool as longs. Complex types are read
 * as their real and imaginary components.
 */
final class Elements {
  private Elements() {}

  /** How values of a dtype compare. */
  enum Kind {
    /** IEEE-like floating point, read with {@link #real}. */
    FLOAT,
    /** Two-component float (complex), read with {@link #real} per component. */
    COMPLEX,
    /** Signed integers and bool, read with {@link #integer}. */
    SIGNED,
    /** Unsigned integers, read with {@link #integer} (uint64 as its bit pattern). */
    UNSIGNED,
    /** No numeric reading: only bit equality. */
    OPAQUE
  }

  static Kind kind(DType t) {
    switch (t) {
      case FLOAT64:
      case FLOAT32:
      case FLOAT16:
      case BFLOAT16:
      case FLOAT8_E5M2:
      case FLOAT8_E4M3FN:
        return Kind.FLOAT;
      case COMPLEX64:
      case COMPLEX128:
        return Kind.COMPLEX;
      case INT64:
      case INT32:
      case INT16:
      case INT8:
      case BOOL:
        return Kind.SIGNED;
      case UINT64:
      case UINT32:
      case UINT16:
      case UINT8:
        return Kind.UNSIGNED;
      default:
        return Kind.OPAQUE;
    }
  }

  /** The float component type of a float or complex dtype. */
  static DType component(DType t) {
    if (t == DType.COMPLEX64) {
      return DType.FLOAT32;
    }
    if (t == DType.COMPLEX128) {
      return DType.FLOAT64;
    }
    return t;
  }

  /** The float value of type {@code t} (a float type) at {@code off}. */
  static double real(byte[] b, int off, DType t) {
    switch (t) {
      case FLOAT64:
        return Double.longBitsToDouble(le(b, off, 8));
      case FLOAT32:
        return Float.intBitsToFloat((int) le(b, off, 4));
      case FLOAT16:
        return halfToFloat((int) le(b, off, 2));
      case BFLOAT16:
        return Float.intBitsToFloat((int) le(b, off, 2) << 16);
      case FLOAT8_E5M2:
        return halfToFloat((b[off] & 0xFF) << 8);
      case FLOAT8_E4M3FN:
        return e4m3fn(b[off] & 0xFF);
      default:
        throw new IllegalArgumentException("not a float type: " + t);
    }
  }

  /** The integer value of type {@code t} at {@code off}, sign-extended for signed types. */
  static long integer(byte[] b, int off, DType t) {
    int size = t.elementSize();
    long v = le(b, off, size);
    if (kind(t) == Kind.SIGNED && size < 8) {
      int shift = 64 - 8 * size;
      v = (v << shift) >> shift;
    }
    return v;
  }

  private static long le(byte[] b, int off, int size) {
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  /** IEEE 754 binary16 to float (Float.float16ToFloat is Java 20). */
  static float halfToFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1F;
    int mant = h & 0x3FF;
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** float8 e4m3fn: bias 7, no infinities, NaN when all exponent and mantissa bits are set. */
  static float e4m3fn(int v) {
    boolean negative = (v & 0x80) != 0;
    int exp = (v >>> 3) & 0xF;
    int mant = v & 0x7;
    float r;
    if (exp == 0xF && mant == 0x7) {
      r = Float.NaN;
    } else if (exp == 0) {
      r = mant * 0x1p-9f;
    } else {
      r = (1 + mant / 8f) * (float) Math.scalb(1.0, exp - 7);
    }
    return negative ? -r : r;
  }
}
