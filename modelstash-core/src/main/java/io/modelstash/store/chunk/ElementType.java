package io.modelstash.store.chunk;

import io.modelstash.format.DType;

/**
 * What the bytes of a chunk hold, as far as codecs care: the element width, whether elements are
 * floating-point numbers, and whether each element is a complex pair of two floating-point
 * components. Codecs never depend on it for correctness (every codec round-trips any bytes); it
 * only steers which transforms are worth trying.
 *
 * @param width bytes per element: 1, 2, 4 or 8, or 16 for complex128
 * @param floating whether the bits are IEEE-style floating-point numbers (sign, exponent, mantissa)
 * @param complex whether an element is a (real, imaginary) pair of floating-point components
 */
public record ElementType(int width, boolean floating, boolean complex) {

  /** Bytes of unknown structure (opaque segments, sub-byte and boolean types). */
  public static final ElementType OPAQUE = new ElementType(1, false, false);

  public static final ElementType FLOAT64 = new ElementType(8, true, false);
  public static final ElementType FLOAT32 = new ElementType(4, true, false);

  /** Any 16-bit float: float16 and bfloat16 share a layout as far as byte grouping goes. */
  public static final ElementType FLOAT16 = new ElementType(2, true, false);

  /** Any 8-bit float: it has a single byte position, so it is not grouped. */
  public static final ElementType FLOAT8 = new ElementType(1, true, false);

  /**
   * Checks the combination.
   *
   * @throws IllegalArgumentException if the width is not 1, 2, 4 or 8 (4, 8 or 16 when complex), or
   *     a complex type is not floating
   */
  public ElementType {
    if (complex) {
      if (!floating || (width != 4 && width != 8 && width != 16)) {
        throw new IllegalArgumentException(
            "Cannot describe a complex element of "
                + width
                + " bytes"
                + (floating ? "" : " that is not floating-point")
                + " (complex elements are float pairs of 4, 8 or 16 bytes)");
      }
    } else if (width != 1 && width != 2 && width != 4 && width != 8) {
      throw new IllegalArgumentException(
          "Cannot describe an element of " + width + " bytes (use 1, 2, 4 or 8)");
    }
  }

  /** An integer (or other non-floating) type of {@code width} bytes: 1, 2, 4 or 8. */
  public static ElementType integer(int width) {
    return new ElementType(width, false, false);
  }

  /**
   * The element type of a storage of {@code dtype}. Sub-byte, boolean and bit types are {@link
   * #OPAQUE} or 1-byte types; every type maps to something.
   */
  public static ElementType of(DType dtype) {
    switch (dtype.kind()) {
      case COMPLEX:
        return new ElementType(dtype.elementSize(), true, true);
      case FLOAT:
        // Packed sub-byte floats (fp4 pairs, fp6) have no byte-aligned fields worth separating.
        return dtype.bits() >= 8 ? new ElementType(dtype.elementSize(), true, false) : OPAQUE;
      case SIGNED:
      case UNSIGNED:
      case QUANTIZED:
      case BITS:
        return integer(dtype.elementSize());
      default:
        return OPAQUE;
    }
  }

  /**
   * Bytes per grouped unit: the component width for complex types (a complex64 is two float32
   * units), otherwise the element width.
   */
  public int unitWidth() {
    return complex ? width / 2 : width;
  }
}
