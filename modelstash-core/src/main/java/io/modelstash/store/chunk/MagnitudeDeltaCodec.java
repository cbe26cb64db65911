package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;

/**
 * Codec 6: the subtract delta's zigzag difference of each unit from its base unit, coded by its
 * magnitude: the bit length with one table per base exponent, the direction of the change, and the
 * bits in between as they are ({@link MagnitudePayload}). For floats trained by an optimiser whose
 * step hardly depends on the weight's size, the length of the difference follows the base's
 * exponent, which byte grouping cannot see. New in chunk format version 4.
 */
public final class MagnitudeDeltaCodec implements DeltaCodec {

  /** This codec's id. */
  public static final int ID = ChunkFormat.CODEC_MAGNITUDE_DELTA;

  private final int width;
  private final boolean rotate;

  /** A codec for {@code type} (units of 2, 4 or 8 bytes) with the measured default rotation. */
  public MagnitudeDeltaCodec(ElementType type) {
    this(type, Tuning.rotateMagnitude(type));
  }

  /**
   * A codec for units of {@code type}, rotating each unit left by one bit first or not. Rotation is
   * recorded in the payload, so this only affects encoding.
   *
   * @throws IllegalArgumentException if the type's units are not 2, 4 or 8 bytes wide
   */
  public MagnitudeDeltaCodec(ElementType type, boolean rotate) {
    if (!MagnitudePayload.accepts(type.unitWidth())) {
      throw new IllegalArgumentException(
          "The magnitude delta codes units of 2, 4 or 8 bytes, not " + type.unitWidth());
    }
    this.width = type.unitWidth();
    this.rotate = rotate;
  }

  /** Whether this codec can code elements of {@code type}. */
  static boolean accepts(ElementType type) {
    return type.floating() && MagnitudePayload.accepts(type.unitWidth());
  }

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "magnitude";
  }

  @Override
  public byte[] encode(byte[] raw, byte[] base) {
    GroupedDeltaCodec.requireSameLength(raw, base);
    return MagnitudePayload.encode(raw, base, width, rotate);
  }

  @Override
  public byte[] decode(byte[] payload, byte[] base, int rawLength) throws CorruptObjectException {
    GroupedDeltaCodec.requireBaseLength(base, rawLength);
    return MagnitudePayload.decode(payload, base, rawLength);
  }

  @Override
  public String toString() {
    return name() + "(" + width + " bytes" + (rotate ? ", rotated" : "") + ")";
  }
}
