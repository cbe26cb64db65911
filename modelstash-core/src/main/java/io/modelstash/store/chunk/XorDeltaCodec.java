package io.modelstash.store.chunk;

/**
 * Codec 3: XOR of each unit's bits with the base unit's, then byte grouping. Unchanged elements
 * become zero in every stream, and a small change leaves the exponent and high mantissa bytes zero,
 * so those streams compress to almost nothing.
 */
public final class XorDeltaCodec extends GroupedDeltaCodec {

  /** This codec's id. */
  public static final int ID = ChunkFormat.CODEC_XOR_DELTA;

  /** A codec for {@code type} with the measured default rotation. */
  public XorDeltaCodec(ElementType type) {
    this(type, Tuning.rotateXor(type));
  }

  /**
   * A codec for units of {@code type}, rotating each unit left by one bit first or not. Rotation is
   * recorded in the payload, so this only affects encoding.
   */
  public XorDeltaCodec(ElementType type, boolean rotate) {
    super(Transform.XOR, type, rotate);
  }

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "xor";
  }
}
