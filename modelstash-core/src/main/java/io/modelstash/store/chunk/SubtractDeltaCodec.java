package io.modelstash.store.chunk;

/**
 * Codec 4: the difference of each unit's bit pattern from the base unit's, as unsigned integers of
 * the unit width with wrap-around, zigzag-mapped, then byte grouping. For floats of the same sign
 * and nearby magnitude the bit patterns are nearby integers, so the difference is small even when a
 * change carries into the exponent, where XOR would set many bits.
 */
public final class SubtractDeltaCodec extends GroupedDeltaCodec {

  /** This codec's id. */
  public static final int ID = ChunkFormat.CODEC_SUBTRACT_DELTA;

  /** A codec for {@code type} with the measured default rotation. */
  public SubtractDeltaCodec(ElementType type) {
    this(type, Tuning.rotateSubtract(type));
  }

  /**
   * A codec for units of {@code type}, rotating each unit left by one bit first or not. Rotation is
   * recorded in the payload, so this only affects encoding.
   */
  public SubtractDeltaCodec(ElementType type, boolean rotate) {
    super(Transform.SUBTRACT, type, rotate);
  }

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "subtract";
  }
}
