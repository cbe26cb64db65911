package io.modelstash.store.chunk;

/**
 * Measured defaults of the model-aware codecs: whether rotating the sign bit next to the mantissa
 * pays for a given transform and unit width. Measured on float32 and bfloat16 weights and AdamW
 * moments, float16 weights and float64 data (see {@code CodecBenchmark} in the tests); changing a
 * default changes only new payloads, since the rotation is recorded in each payload.
 */
final class Tuning {

  private Tuning() {}

  /**
   * Byte grouping: rotation makes the top byte pure exponent, which saved 0.1–1.5% on float32 and
   * bfloat16 and was neutral on float16; on float64 it cost 1.5%, since the sign then joins an
   * exponent/mantissa byte instead of the near-constant top one.
   */
  static boolean rotateGrouped(ElementType type) {
    return type.floating() && (type.unitWidth() == 2 || type.unitWidth() == 4);
  }

  /** XOR delta: rotation cost 0.1–4% on every float32, bfloat16 and float64 set measured. */
  static boolean rotateXor(ElementType type) {
    return false;
  }

  /**
   * Subtract delta: rotating first makes a change across zero a small difference; it saved 1.3% on
   * float32 weights (and cost 0.2% on AdamW moments), but cost 1–3% on 16-bit and float64 data.
   */
  static boolean rotateSubtract(ElementType type) {
    return type.floating() && type.unitWidth() == 4;
  }

  /** Magnitude delta: rotation measured on float32 AdamW checkpoints; see the class. */
  static boolean rotateMagnitude(ElementType type) {
    return true;
  }

  /**
   * Whether the encoder offers the magnitude delta. On float32 weights and AdamW moments (two S1
   * checkpoint pairs) it stored 1.4–1.7% less than the subtract delta, and the S1 store 0.75% less
   * in all; on S4's bfloat16 weights the store came out 3.9% smaller with it. No float64
   * checkpoints were measured, so those keep the subtract delta alone.
   */
  static boolean magnitude(ElementType type) {
    return type.floating() && (type.unitWidth() == 4 || type.unitWidth() == 2);
  }

  /**
   * Whether the encoder offers the subtract delta too. For float32 the magnitude delta beat it on
   * all but a few small chunks of S1, so it is not worth a sample encode; for 16-bit units it was
   * smaller on some synthetic data (see {@code EncodeBestTest}), so both are tried.
   */
  static boolean subtract(ElementType type) {
    return !(type.floating() && type.unitWidth() == 4);
  }
}
