package io.modelstash.store.chunk;

import io.modelstash.store.blob.CorruptObjectException;

/**
 * Codec 2: byte grouping for floating-point data. Units (elements, or components of complex
 * elements) are split into one stream per byte position, so the exponent bytes, which carry most of
 * the redundancy in model weights, are compressed apart from the near-random mantissa bytes; each
 * stream is zstd-coded on its own or kept raw. Optionally each unit is first rotated left by one
 * bit so the top byte is the pure exponent and the sign joins the low mantissa byte.
 *
 * <p>The unit width and rotation are configured for encoding and recorded in the payload, so any
 * instance decodes any payload of this codec.
 */
public final class ByteGroupingCodec implements ChunkCodec {

  /** This codec's id. */
  public static final int ID = ChunkFormat.CODEC_BYTE_GROUPING;

  private final int width;
  private final boolean rotate;

  /** A codec for {@code type} with the measured default rotation. */
  public ByteGroupingCodec(ElementType type) {
    this(type, Tuning.rotateGrouped(type));
  }

  /**
   * A codec for units of {@code type}, rotating each unit left by one bit first or not. Rotation is
   * recorded in the payload, so this only affects encoding.
   */
  public ByteGroupingCodec(ElementType type, boolean rotate) {
    this.width = type.unitWidth();
    this.rotate = rotate && width > 1;
  }

  @Override
  public int id() {
    return ID;
  }

  @Override
  public String name() {
    return "bytegroup";
  }

  @Override
  public byte[] encode(byte[] raw) {
    return GroupedPayload.encode(raw, null, width, Transform.NONE, rotate);
  }

  @Override
  public byte[] decode(byte[] payload, int rawLength) throws CorruptObjectException {
    return GroupedPayload.decode(payload, null, rawLength, Transform.NONE);
  }

  @Override
  public String toString() {
    return "bytegroup(" + width + " bytes" + (rotate ? ", rotated" : "") + ")";
  }
}
