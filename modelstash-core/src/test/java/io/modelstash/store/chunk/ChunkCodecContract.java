package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The behaviour every {@link ChunkCodec} must have; a codec's test supplies the codec. */
public abstract class ChunkCodecContract {

  /** The codec under test. */
  protected abstract ChunkCodec codec();

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Float32 weights around zero: realistic, mildly compressible. */
  static byte[] floats(int count, long seed) {
    Random r = new Random(seed);
    ByteBuffer b = ByteBuffer.allocate(count * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      b.putFloat((float) (r.nextGaussian() * 0.02));
    }
    return b.array();
  }

  private void assertRoundTrip(byte[] raw) throws CorruptObjectException {
    byte[] copy = raw.clone();
    byte[] payload = codec().encode(raw);
    assertThat(raw).as("encode must not modify its input").isEqualTo(copy);
    assertThat(codec().decode(payload, raw.length)).isEqualTo(raw);
  }

  @Test
  void idIsInRange() {
    assertThat(codec().id()).isBetween(0, 255);
    assertThat(codec().name()).isNotBlank().isLowerCase();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3, 7, 255, 1023, 4097, 65_537, 1_000_003})
  void roundTripsOddAndEdgeLengths(int n) throws CorruptObjectException {
    assertRoundTrip(random(n, n));
    assertRoundTrip(new byte[n]);
  }

  @Test
  void roundTripsCompressibleAndRealisticData() throws CorruptObjectException {
    byte[] pattern = new byte[1 << 20];
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = (byte) (i % 7);
    }
    assertRoundTrip(pattern);
    assertRoundTrip(floats(100_000, 1));
  }

  @Test
  void isDeterministic() {
    byte[] raw = floats(10_000, 2);
    assertThat(codec().encode(raw)).isEqualTo(codec().encode(raw));
  }

  @Test
  void refusesAWrongRawLength() {
    byte[] raw = random(1000, 3);
    byte[] payload = codec().encode(raw);
    assertThatThrownBy(() -> codec().decode(payload, 999))
        .isInstanceOf(CorruptObjectException.class);
    assertThatThrownBy(() -> codec().decode(payload, 1001))
        .isInstanceOf(CorruptObjectException.class);
  }

  @Test
  void refusesEveryTruncation() {
    byte[] raw = floats(500, 4);
    byte[] payload = codec().encode(raw);
    for (int n = 0; n < payload.length; n++) {
      byte[] cut = Arrays.copyOf(payload, n);
      assertThatThrownBy(() -> codec().decode(cut, raw.length))
          .as("payload cut to %d bytes", n)
          .isInstanceOf(CorruptObjectException.class);
    }
  }

  @Property(tries = 200)
  void roundTripsAnything(@ForAll @Size(max = 5000) byte[] raw) throws CorruptObjectException {
    assertRoundTrip(raw);
  }

  @Property(tries = 300)
  void damagedPayloadFailsCleanlyOrKeepsTheLength(
      @ForAll @Size(min = 1, max = 3000) byte[] raw,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
      @ForAll @IntRange(min = 1, max = 255) int xor) {
    byte[] payload = codec().encode(raw);
    if (payload.length == 0) {
      return;
    }
    payload[where % payload.length] ^= (byte) xor;
    try {
      assertThat(codec().decode(payload, raw.length)).hasSize(raw.length);
    } catch (CorruptObjectException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 200)
  void garbageFailsCleanlyOrKeepsTheLength(
      @ForAll @Size(max = 2000) byte[] garbage, @ForAll @IntRange(max = 100_000) int rawLength) {
    try {
      assertThat(codec().decode(garbage, rawLength)).hasSize(rawLength);
    } catch (CorruptObjectException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }
}
