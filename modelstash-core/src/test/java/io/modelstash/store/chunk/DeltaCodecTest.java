package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What the XOR, subtract and magnitude delta codecs are for: small changes cost little. */
class DeltaCodecTest {

  static List<DeltaCodec> deltas() {
    return List.of(
        new XorDeltaCodec(ElementType.FLOAT32),
        new SubtractDeltaCodec(ElementType.FLOAT32),
        new XorDeltaCodec(ElementType.FLOAT32, true),
        new SubtractDeltaCodec(ElementType.FLOAT32, false),
        new MagnitudeDeltaCodec(ElementType.FLOAT32),
        new MagnitudeDeltaCodec(ElementType.FLOAT64, false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deltas")
  void anIdenticalBaseCostsAlmostNothing(DeltaCodec c) throws CorruptObjectException {
    byte[] raw = FloatData.gaussian(4, 250_000, 0, 0.02, 1);
    byte[] p = c.encode(raw, raw);
    assertThat(p.length).isLessThan(200);
    assertThat(c.decode(p, raw, raw.length)).isEqualTo(raw);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deltas")
  void aFewChangedElementsCostLittle(DeltaCodec c) throws CorruptObjectException {
    byte[] base = FloatData.gaussian(4, 250_000, 0, 0.02, 2);
    byte[] raw = FloatData.nudged(base, 4, 0.001, 3);
    byte[] p = c.encode(raw, base);
    assertThat(p.length).isLessThan(raw.length / 100);
    assertThat(c.decode(p, base, raw.length)).isEqualTo(raw);
  }

  /**
   * Encoders and decoders reuse working buffers ({@link Scratch}); what a chunk encodes to and
   * decodes to must not depend on what passed through them before, here a larger chunk of other
   * data, with a tail, coded with other stream methods.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("deltas")
  void resultsDoNotDependOnEarlierChunks(DeltaCodec c) throws CorruptObjectException {
    byte[] base = FloatData.gaussian(4, 20_000, 0, 0.02, 5);
    byte[] raw = FloatData.nudged(base, 4, 0.01, 6);
    byte[] first = c.encode(raw, base);

    byte[] otherBase = FloatData.mixed(4, 300_000, 3, 7);
    byte[] other = FloatData.gaussian(4, 300_000, 3, 1e3, 8);
    byte[] otherPayload = c.encode(other, otherBase);
    byte[] again = c.encode(raw, base);
    assertThat(again).isEqualTo(first);

    assertThat(c.decode(otherPayload, otherBase, other.length)).isEqualTo(other);
    assertThat(c.decode(first, base, raw.length)).isEqualTo(raw);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deltas")
  void baseLengthsMustMatch(DeltaCodec c) {
    byte[] raw = FloatData.gaussian(4, 100, 0, 0.02, 4);
    assertThatThrownBy(() -> c.encode(raw, new byte[399]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Cannot delta-encode 400 bytes against a base of 399 (a base must have the same length)");
    byte[] p = c.encode(raw, raw);
    assertThatThrownBy(() -> c.decode(p, new byte[401], 400))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessage("the base has 401 bytes, the delta needs 400");
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  @Test
  void subtractKeepsAStepAcrossAnExponentBoundarySmall() {
    // Every value moves up by one unit in the last place; some cross from below 1.0 to 1.0, where
    // the exponent changes. The bit patterns always differ by exactly 1; their XOR varies.
    int n = 50_000;
    float[] before = new float[n];
    float[] after = new float[n];
    Random r = new Random(4);
    for (int i = 0; i < n; i++) {
      int bits = Float.floatToRawIntBits(1.0f) + r.nextInt(41) - 20;
      before[i] = Float.intBitsToFloat(bits);
      after[i] = Float.intBitsToFloat(bits + 1);
    }
    byte[] a = floats(after);
    byte[] b = floats(before);
    int xor = new XorDeltaCodec(ElementType.FLOAT32).encode(a, b).length;
    int subtract = new SubtractDeltaCodec(ElementType.FLOAT32, false).encode(a, b).length;
    assertThat(subtract).isLessThan(xor / 10);
  }

  @Test
  void rotatedSubtractKeepsSignChangesNearZeroSmall() {
    // Rotated, +x and -x differ by 1; unrotated, by 2^31, which spreads over every stream.
    int n = 50_000;
    float[] before = new float[n];
    float[] after = new float[n];
    Random r = new Random(5);
    for (int i = 0; i < n; i++) {
      before[i] = (float) (r.nextGaussian() * 1e-6);
      after[i] = r.nextBoolean() ? -before[i] : before[i];
    }
    byte[] a = floats(after);
    byte[] b = floats(before);
    int rotated = new SubtractDeltaCodec(ElementType.FLOAT32, true).encode(a, b).length;
    int plain = new SubtractDeltaCodec(ElementType.FLOAT32, false).encode(a, b).length;
    assertThat(rotated).isLessThan(plain / 2);
  }

  @Test
  void codecsHaveStableIdsAndNames() {
    assertThat(new XorDeltaCodec(ElementType.FLOAT16).id()).isEqualTo(3);
    assertThat(new XorDeltaCodec(ElementType.FLOAT16).name()).isEqualTo("xor");
    assertThat(new SubtractDeltaCodec(ElementType.FLOAT16).id()).isEqualTo(4);
    assertThat(new SubtractDeltaCodec(ElementType.FLOAT16).name()).isEqualTo("subtract");
    assertThat(new MagnitudeDeltaCodec(ElementType.FLOAT16).id()).isEqualTo(6);
    assertThat(new MagnitudeDeltaCodec(ElementType.FLOAT16).name()).isEqualTo("magnitude");
    assertThat(new ByteGroupingCodec(ElementType.FLOAT16).id()).isEqualTo(2);
    assertThat(new ByteGroupingCodec(ElementType.FLOAT16).name()).isEqualTo("bytegroup");
  }

  @Test
  void aDeltaPayloadDecodedWithTheOtherTransformIsWrongNotBroken() throws CorruptObjectException {
    // The codec id, not the payload, says which transform applies; the chunk's SHA-256 catches a
    // mix-up, so the codec itself only has to keep the length.
    byte[] base = FloatData.gaussian(4, 1000, 0, 0.02, 6);
    byte[] raw = FloatData.nudged(base, 4, 0.5, 7);
    byte[] p = new XorDeltaCodec(ElementType.FLOAT32).encode(raw, base);
    assertThat(new SubtractDeltaCodec(ElementType.FLOAT32).decode(p, base, raw.length))
        .hasSize(raw.length)
        .isNotEqualTo(raw);
  }

  /**
   * An optimiser step hardly depends on the weight's size, so in units of the last place it is
   * larger the smaller the weight: the magnitude codec's length tables per base exponent see that;
   * byte grouping codes every byte position with one table for all elements.
   */
  @Test
  void magnitudeCodesStepsThatFollowTheExponentSmallerThanSubtract() throws CorruptObjectException {
    int n = 65_536;
    float[] before = new float[n];
    float[] after = new float[n];
    Random r = new Random(8);
    for (int i = 0; i < n; i++) {
      before[i] = (float) (r.nextGaussian() * 0.02);
      after[i] = before[i] + (float) (r.nextGaussian() * 1e-4);
    }
    byte[] a = floats(after);
    byte[] b = floats(before);
    MagnitudeDeltaCodec magnitude = new MagnitudeDeltaCodec(ElementType.FLOAT32);
    byte[] p = magnitude.encode(a, b);
    int subtract = new SubtractDeltaCodec(ElementType.FLOAT32).encode(a, b).length;
    assertThat(p.length).isLessThan(subtract * 97 / 100);
    assertThat(magnitude.decode(p, b, a.length)).isEqualTo(a);
  }

  @Test
  void magnitudeRefusesUnitsItCannotCode() {
    assertThatThrownBy(() -> new MagnitudeDeltaCodec(ElementType.FLOAT8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("The magnitude delta codes units of 2, 4 or 8 bytes, not 1");
  }

  /** As above for bfloat16 (the top half of a float32), with a step of a few units in its place. */
  @Test
  void magnitudeAlsoCodesBfloat16StepsSmallerThanSubtract() throws CorruptObjectException {
    int n = 131_072;
    ByteBuffer before = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer after = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
    Random r = new Random(9);
    for (int i = 0; i < n; i++) {
      float w = (float) (r.nextGaussian() * 0.02);
      before.putShort((short) (Float.floatToRawIntBits(w) >>> 16));
      float moved = w + (float) (r.nextGaussian() * 1e-3);
      after.putShort((short) (Float.floatToRawIntBits(moved) >>> 16));
    }
    byte[] a = after.array();
    byte[] b = before.array();
    MagnitudeDeltaCodec magnitude = new MagnitudeDeltaCodec(ElementType.FLOAT16);
    byte[] p = magnitude.encode(a, b);
    int subtract = new SubtractDeltaCodec(ElementType.FLOAT16).encode(a, b).length;
    assertThat(p.length).isLessThan(subtract * 97 / 100);
    assertThat(magnitude.decode(p, b, a.length)).isEqualTo(a);
  }
}
