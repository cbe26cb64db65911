package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.blob.CorruptObjectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streams the codecs write are exactly what {@code package-info} documents, computed here
 * independently, one unit at a time with plain {@code long} arithmetic.
 */
class GroupedPayloadReferenceTest {

  static Stream<Arguments> configurations() {
    return Stream.of(1, 2, 4, 8)
        .flatMap(
            w ->
                Stream.of(Transform.values())
                    .flatMap(t -> Stream.of(Arguments.of(w, t, false), Arguments.of(w, t, true))));
  }

  private static long rot(long u, int bits, boolean rotate) {
    long mask = bits == 64 ? -1L : (1L << bits) - 1;
    return rotate ? ((u << 1) | (u >>> (bits - 1))) & mask : u;
  }

  /** The documented transform of unit x against base unit b. */
  static long reference(long x, long b, int w, Transform t, boolean rotate) {
    int bits = 8 * w;
    long mask = bits == 64 ? -1L : (1L << bits) - 1;
    boolean r = rotate && w > 1;
    switch (t) {
      case NONE:
        return rot(x, bits, r);
      case XOR:
        return rot(x ^ b, bits, r);
      default:
        long d = (rot(x, bits, r) - rot(b, bits, r)) & mask;
        long signed = (d << (64 - bits)) >> (64 - bits);
        return ((signed << 1) ^ (signed >> 63)) & mask;
    }
  }

  @ParameterizedTest(name = "width {0}, {1}, rotate {2}")
  @MethodSource("configurations")
  void streamsMatchTheDocumentedTransform(int w, Transform t, boolean rotate)
      throws CorruptObjectException {
    int n = 3000;
    byte[] raw = FloatData.mixed(w, n, w - 1, w);
    byte[] base = FloatData.nudged(FloatData.mixed(w, n, w - 1, w + 10), w, 0.5, 3);
    byte[] payload = GroupedPayload.encode(raw, base, w, t, rotate);
    assertThat(payload[0]).isEqualTo((byte) w);
    assertThat(payload[1]).isEqualTo((byte) (rotate && w > 1 ? 1 : 0));
    GroupedPayload.Layout l = GroupedPayload.parse(payload, raw.length);
    ByteBuffer x = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer b = ByteBuffer.wrap(base).order(ByteOrder.LITTLE_ENDIAN);
    byte[] stream = new byte[n];
    for (int k = 0; k < w; k++) {
      l.stream(payload, k, stream, 0);
      for (int i = 0; i < n; i++) {
        long v = reference(FloatData.get(x, w, i * w), FloatData.get(b, w, i * w), w, t, rotate);
        if (stream[i] != (byte) (v >>> (8 * k))) {
          throw new AssertionError(
              String.format(
                  "stream %d, unit %d: expected %02x, actual %02x",
                  k, i, (byte) (v >>> (8 * k)), stream[i]));
        }
      }
    }
    assertThat(Arrays.copyOfRange(payload, payload.length - (w - 1), payload.length))
        .as("the tail, verbatim")
        .isEqualTo(Arrays.copyOfRange(raw, n * w, raw.length));
    assertThat(GroupedPayload.decode(payload, base, raw.length, t)).isEqualTo(raw);
  }
}
