package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;

/** The shared body of the XOR and subtract delta codecs: transform, then byte grouping. */
abstract class GroupedDeltaCodec implements DeltaCodec {

  private final Transform transform;
  private final int width;
  private final boolean rotate;

  GroupedDeltaCodec(Transform transform, ElementType type, boolean rotate) {
    this.transform = transform;
    this.width = type.unitWidth();
    this.rotate = rotate && width > 1;
  }

  @Override
  public final byte[] encode(byte[] raw, byte[] base) {
    requireSameLength(raw, base);
    return GroupedPayload.encode(raw, base, width, transform, rotate);
  }

  @Override
  public final byte[] decode(byte[] payload, byte[] base, int rawLength)
      throws CorruptObjectException {
    requireBaseLength(base, rawLength);
    return GroupedPayload.decode(payload, base, rawLength, transform);
  }

  /** Refuses to encode against a base of another length, as the unit-by-unit deltas must. */
  static void requireSameLength(byte[] raw, byte[] base) {
    if (base.length != raw.length) {
      throw new IllegalArgumentException(
          "Cannot delta-encode "
              + raw.length
              + " bytes against a base of "
              + base.length
              + " (a base must have the same length)");
    }
  }

  /** Refuses to decode against a base that is not {@code rawLength} bytes long. */
  static void requireBaseLength(byte[] base, int rawLength) throws CorruptObjectException {
    if (base.length != rawLength) {
      throw new CorruptObjectException(
          "the base has " + base.length + " bytes, the delta needs " + rawLength);
    }
  }

  @Override
  public String toString() {
    return name() + "(" + width + " bytes" + (rotate ? ", rotated" : "") + ")";
  }
}
