package io.modelstash.store.query;

import io.modelstash.format.DType;

/** Element values as float, for {@link StoredTensor#floats()} and {@code .npy} conversion. */
final class Floats {
  private Floats() {}

  /** Whether every element of {@code t} has a float value. */
  static boolean convertible(DType t) {
    Elements.Kind k = Elements.kind(t);
    return k == Elements.Kind.FLOAT || k == Elements.Kind.SIGNED || k == Elements.Kind.UNSIGNED;
  }

  static float value(byte[] b, int off, DType t, Elements.Kind kind) {
    switch (kind) {
      case FLOAT:
        return (float) Elements.real(b, off, t);
      case SIGNED:
        return (float) Elements.integer(b, off, t);
      case UNSIGNED:
        long v = Elements.integer(b, off, t);
        return v >= 0 ? (float) v : (float) (v >>> 1) * 2f;
      default:
        throw new IllegalArgumentException("no float value for " + t);
    }
  }
}
