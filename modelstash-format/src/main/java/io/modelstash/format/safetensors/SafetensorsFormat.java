package io.modelstash.format.safetensors;

import io.modelstash.format.DType;
import io.modelstash.format.json.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Constants and small helpers shared by the safetensors reader and writer. */
final class SafetensorsFormat {

  /** The reference reader's {@code MAX_HEADER_SIZE}. */
  static final long MAX_HEADER_LENGTH = 100_000_000L;

  /**
   * Largest shape dimension or offset accepted: 2^53 - 1, the largest integer every JSON reader
   * (including double-based ones) reads exactly. Real files are bounded by their length anyway.
   */
  static final long MAX_INTEGER = (1L << 53) - 1;

  static final String METADATA_KEY = "__metadata__";

  /**
   * The reference {@code Dtype} enum order (ascending alignment). The writer sorts by the reverse
   * of this, so that every tensor starts aligned to its element size.
   */
  static final List<DType> REFERENCE_ORDER = referenceOrder();

  private SafetensorsFormat() {}

  private static List<DType> referenceOrder() {
    String[] names = {
      "BOOL",
      "F4",
      "F6_E2M3",
      "F6_E3M2",
      "U8",
      "I8",
      "F8_E5M2",
      "F8_E4M3",
      "F8_E8M0",
      "F8_E4M3FNUZ",
      "F8_E5M2FNUZ",
      "I16",
      "U16",
      "F16",
      "BF16",
      "I32",
      "U32",
      "F32",
      "C64",
      "F64",
      "I64",
      "U64"
    };
    List<DType> order = new ArrayList<>();
    for (String name : names) {
      order.add(
          DType.fromSafetensorsName(name)
              .orElseThrow(() -> new IllegalStateException("DType lacks safetensors " + name)));
    }
    return Collections.unmodifiableList(order);
  }

  /** The safetensors name of {@code dtype}, or its torch name if safetensors has none. */
  static String dtypeName(DType dtype) {
    return dtype.safetensorsName().orElse(dtype.torchName());
  }

  /** A tensor name or metadata string for a one-line message. */
  static String quote(String s) {
    return Json.quote(s, 200);
  }

  /** {@code Π shape × dtype.bits()}, or -1 if it does not fit in a long. Dims must be >= 0. */
  static long bits(DType dtype, long[] shape) {
    try {
      long elements = 1;
      for (long dim : shape) {
        elements = Math.multiplyExact(elements, dim);
      }
      return Math.multiplyExact(elements, (long) dtype.bits());
    } catch (ArithmeticException e) {
      return -1;
    }
  }

  /** Whether {@code s} is well-formed UTF-16, that is, has an exact UTF-8 encoding. */
  static boolean isWellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Orders strings by code point, which is the byte order of their UTF-8 encodings and so the order
   * Rust's {@code String::cmp} gives. {@link String#compareTo} differs for characters above U+FFFF
   * versus U+E000..U+FFFF.
   */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Boolean.compare(i < a.length(), j < b.length());
  }
}
