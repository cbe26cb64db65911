package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared contract, run against every codec (plain and delta, rotated or not) for every element
 * type: edge lengths, tails that do not fill a unit, NaN payloads, infinities, denormals, signed
 * zeros, random bits, zeros and constants must come back bit for bit; damage must fail cleanly.
 */
class CodecMatrixTest {

  /** A plain or delta codec behind one interface; plain codecs ignore the base. */
  interface Coder {
    byte[] encode(byte[] raw, byte[] base);

    byte[] decode(byte[] payload, byte[] base, int rawLength) throws CorruptObjectException;
  }

  record Codec(String name, ElementType type, boolean delta, Coder coder) {
    @Override
    public String toString() {
      return name + " for " + type;
    }
  }

  static Codec plain(ChunkCodec c, ElementType type) {
    return new Codec(
        c.toString(),
        type,
        false,
        new Coder() {
          @Override
          public byte[] encode(byte[] raw, byte[] base) {
            return c.encode(raw);
          }

          @Override
          public byte[] decode(byte[] payload, byte[] base, int rawLength)
              throws CorruptObjectException {
            return c.decode(payload, rawLength);
          }
        });
  }

  static Codec delta(DeltaCodec c, ElementType type) {
    return new Codec(
        c.toString(),
        type,
        true,
        new Coder() {
          @Override
          public byte[] encode(byte[] raw, byte[] base) {
            return c.encode(raw, base);
          }

          @Override
          public byte[] decode(byte[] payload, byte[] base, int rawLength)
              throws CorruptObjectException {
            return c.decode(payload, base, rawLength);
          }
        });
  }

  static List<Codec> codecs() {
    List<Codec> out = new ArrayList<>();
    for (ElementType t : FloatData.types()) {
      out.add(plain(StoredCodec.INSTANCE, t));
      out.add(plain(new ZstdCodec(), t));
      for (boolean rotate : new boolean[] {false, true}) {
        out.add(plain(new ByteGroupingCodec(t, rotate), t));
        out.add(delta(new XorDeltaCodec(t, rotate), t));
        out.add(delta(new SubtractDeltaCodec(t, rotate), t));
        if (MagnitudeDeltaCodec.accepts(t)) {
          out.add(delta(new MagnitudeDeltaCodec(t, rotate), t));
        }
      }
    }
    out.add(delta(new PatchCodec(), ElementType.OPAQUE));
    return out;
  }

  static Stream<Arguments> everyCodecAndCase() {
    return codecs().stream()
        .flatMap(c -> FloatData.cases(c.type().unitWidth()).stream().map(d -> Arguments.of(c, d)));
  }

  /** Bases a delta must work against: identical, slightly changed, random, zeros. */
  static List<byte[]> bases(byte[] raw, int width) {
    byte[] random = new byte[raw.length];
    new Random(raw.length).nextBytes(random);
    return List.of(
        raw.clone(), FloatData.nudged(raw, width, 0.02, 3), random, new byte[raw.length]);
  }

  private static void assertRoundTrip(Codec c, byte[] raw, byte[] base)
      throws CorruptObjectException {
    byte[] rawCopy = raw.clone();
    byte[] baseCopy = base == null ? null : base.clone();
    byte[] payload = c.coder().encode(raw, base);
    assertThat(raw).as("encode must not modify its input").isEqualTo(rawCopy);
    assertThat(c.coder().decode(payload, base, raw.length)).isEqualTo(raw);
    assertThat(base).as("the base must not be modified").isEqualTo(baseCopy);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("everyCodecAndCase")
  void roundTripsBitForBit(Codec c, FloatData.Named data) throws CorruptObjectException {
    byte[] raw = data.bytes();
    if (!c.delta()) {
      assertRoundTrip(c, raw, null);
      return;
    }
    for (byte[] base : bases(raw, c.type().unitWidth())) {
      assertRoundTrip(c, raw, base);
    }
  }

  static Stream<Codec> everyCodec() {
    return codecs().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyCodec")
  void refusesEveryTruncationAndWrongLengths(Codec c) {
    int w = c.type().unitWidth();
    byte[] raw = FloatData.mixed(w, 150, w - 1, 1);
    byte[] base = FloatData.nudged(raw, w, 0.1, 2);
    byte[] payload = c.coder().encode(raw, base);
    for (int n = 0; n < payload.length; n++) {
      byte[] cut = Arrays.copyOf(payload, n);
      assertThatThrownBy(() -> c.coder().decode(cut, base, raw.length))
          .as("payload cut to %d bytes", n)
          .isInstanceOf(CorruptObjectException.class);
    }
    for (int wrong : new int[] {raw.length - 1, raw.length + 1, raw.length + w}) {
      byte[] b = Arrays.copyOf(base, wrong);
      assertThatThrownBy(() -> c.coder().decode(payload, b, wrong))
          .as("raw length %d instead of %d", wrong, raw.length)
          .isInstanceOf(CorruptObjectException.class);
    }
  }

  @Provide
  Arbitrary<Codec> anyCodec() {
    return Arbitraries.of(codecs());
  }

  @Property(tries = 1000)
  void roundTripsAnything(
      @ForAll("anyCodec") Codec c,
      @ForAll @Size(max = 3000) byte[] raw,
      @ForAll @IntRange(min = 0, max = 3) int baseKind)
      throws CorruptObjectException {
    byte[] base = c.delta() ? bases(raw, c.type().unitWidth()).get(baseKind) : null;
    assertRoundTrip(c, raw, base);
  }

  @Property(tries = 1000)
  void damagedPayloadFailsCleanlyOrKeepsTheLength(
      @ForAll("anyCodec") Codec c,
      @ForAll @Size(min = 1, max = 2000) byte[] raw,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
      @ForAll @IntRange(min = 1, max = 255) int xor) {
    byte[] base = c.delta() ? FloatData.nudged(raw, c.type().unitWidth(), 0.1, 1) : null;
    byte[] payload = c.coder().encode(raw, base);
    if (payload.length == 0) {
      return;
    }
    payload[where % payload.length] ^= (byte) xor;
    try {
      assertThat(c.coder().decode(payload, base, raw.length)).hasSize(raw.length);
    } catch (CorruptObjectException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }

  @Property(tries = 500)
  void garbageFailsCleanlyOrKeepsTheLength(
      @ForAll("anyCodec") Codec c,
      @ForAll @Size(max = 2000) byte[] garbage,
      @ForAll @IntRange(max = 100_000) int rawLength) {
    byte[] base = new byte[rawLength];
    try {
      assertThat(c.coder().decode(garbage, base, rawLength)).hasSize(rawLength);
    } catch (CorruptObjectException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
  }
}
