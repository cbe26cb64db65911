package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ChunkEncoder#encodeBest}: picks a codec that fits the data and always decodes. */
class EncodeBestTest {

  private static final ChunkDecoder DECODER = ChunkDecoder.standard();
  private static final int MIB = 1 << 20;

  private static byte[] decode(EncodedChunk c, byte[] base) throws IOException {
    return DECODER.decode(c.toByteArray(), c.id(), d -> base.clone());
  }

  private static EncodedChunk best(byte[] raw, ElementType t, byte[] base) {
    return ChunkEncoder.encodeBest(
        raw, t, Optional.ofNullable(base).map(b -> ChunkEncoder.Base.of(b, true)));
  }

  @Test
  void groupsFloatWeightsWithoutABase() throws IOException {
    byte[] raw = FloatData.gaussian(4, MIB / 4, 0, 0.02, 1);
    EncodedChunk c = best(raw, ElementType.FLOAT32, null);
    assertThat(c.codecId()).isEqualTo(ByteGroupingCodec.ID);
    assertThat(c.base()).isEmpty();
    assertThat(c.objectLength())
        .isLessThan(ChunkEncoder.encode(raw, new ZstdCodec()).objectLength());
    assertThat(DECODER.decode(c.toByteArray(), c.id())).isEqualTo(raw);
  }

  /** {@code raw} with every unit's bit pattern moved by up to {@code reach} either way. */
  private static byte[] drifted(byte[] raw, int reach, long seed) {
    java.util.Random r = new java.util.Random(seed);
    ByteBuffer b = ByteBuffer.wrap(raw.clone()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < raw.length; i += 4) {
      b.putInt(i, b.getInt(i) + r.nextInt(2 * reach + 1) - reach);
    }
    return b.array();
  }

  private static EncodedChunk best(byte[] raw, byte[] base, byte[] latest) {
    return ChunkEncoder.encodeBest(
        raw,
        ElementType.FLOAT32,
        Optional.of(ChunkEncoder.Base.of(base, true).withLatest(() -> latest)));
  }

  @Test
  void startsANewBaseWhenTheLatestDeltaIsMuchCloser() throws IOException {
    byte[] base = FloatData.gaussian(4, MIB / 4, 0, 0.02, 11);
    byte[] latest = drifted(base, 1 << 18, 12);
    byte[] raw = FloatData.nudged(latest, 4, 0.3, 13);

    EncodedChunk greedy = best(raw, ElementType.FLOAT32, base);
    assertThat(greedy.base()).as("a delta against the base is smaller").contains(Digest.of(base));

    EncodedChunk c = best(raw, base, latest);
    assertThat(c.base()).isEmpty();
    assertThat(c.codecId()).isEqualTo(ByteGroupingCodec.ID);
    assertThat(DECODER.decode(c.toByteArray(), c.id())).isEqualTo(raw);
    // it costs more now, and the next version, a delta against it, more than makes up for that
    byte[] next = FloatData.nudged(raw, 4, 0.3, 14);
    assertThat(c.objectLength() + best(next, ElementType.FLOAT32, raw).objectLength())
        .isLessThan(greedy.objectLength() + best(next, ElementType.FLOAT32, base).objectLength());
  }

  @Test
  void keepsTheBaseWhileTheLatestDeltaIsNoCloser() throws IOException {
    byte[] base = FloatData.gaussian(4, MIB / 4, 0, 0.02, 15);
    byte[] latest = FloatData.nudged(base, 4, 0.3, 16);
    byte[] raw = FloatData.nudged(base, 4, 0.3, 17);
    EncodedChunk c = best(raw, base, latest);
    assertThat(c.base()).contains(Digest.of(base));
    assertThat(decode(c, base)).isEqualTo(raw);
  }

  @Test
  void usesADeltaAgainstACloseBase() throws IOException {
    byte[] base = FloatData.gaussian(4, MIB / 4, 0, 0.02, 2);
    byte[] raw = FloatData.nudged(base, 4, 0.3, 3);
    EncodedChunk c = best(raw, ElementType.FLOAT32, base);
    assertThat(c.codecId()).isIn(XorDeltaCodec.ID, SubtractDeltaCodec.ID, MagnitudeDeltaCodec.ID);
    assertThat(c.base()).contains(Digest.of(base));
    assertThat(c.objectLength()).isLessThan(raw.length / 3);
    assertThat(decode(c, base)).isEqualTo(raw);
  }

  @Test
  void ignoresAnUnrelatedBase() throws IOException {
    byte[] base = FloatData.gaussian(4, MIB / 4, 0, 0.02, 4);
    byte[] raw = FloatData.gaussian(4, MIB / 4, 0, 0.02, 5);
    EncodedChunk c = best(raw, ElementType.FLOAT32, base);
    assertThat(c.codecId()).isEqualTo(ByteGroupingCodec.ID);
    assertThat(c.base()).as("a chunk that does not use its base must not depend on it").isEmpty();
    assertThat(DECODER.decode(c.toByteArray(), c.id())).isEqualTo(raw);
  }

  @Test
  void keepsPlainZstdForIntegersAndStoresRandomBytes() throws IOException {
    ByteBuffer ints = ByteBuffer.allocate(MIB).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; ints.hasRemaining(); i++) {
      ints.putLong(i / 3);
    }
    EncodedChunk c = best(ints.array(), ElementType.integer(8), null);
    assertThat(c.codecId()).isEqualTo(ZstdCodec.ID);
    byte[] random = ChunkCodecContract.random(MIB, 6);
    EncodedChunk r = best(random, ElementType.FLOAT32, ChunkCodecContract.random(MIB, 7));
    assertThat(r.codecId()).isEqualTo(StoredCodec.ID);
    assertThat(r.base()).isEmpty();
    assertThat(DECODER.decode(r.toByteArray(), r.id())).isEqualTo(random);
    EncodedChunk empty = best(new byte[0], ElementType.FLOAT32, new byte[0]);
    assertThat(empty.codecId()).isEqualTo(StoredCodec.ID);
  }

  @Test
  void anIdenticalBaseCostsAlmostNothing() throws IOException {
    byte[] raw = FloatData.gaussian(2, MIB / 2, 0, 0.02, 8);
    EncodedChunk c = best(raw, ElementType.FLOAT16, raw);
    assertThat(c.objectLength()).isLessThan(200);
    assertThat(decode(c, raw)).isEqualTo(raw);
  }

  /** The smallest payload any candidate makes for the whole chunk. */
  private static int oracle(byte[] raw, ElementType t, byte[] base) {
    int best = Math.min(raw.length, new ZstdCodec().encode(raw).length);
    if (t.floating()) {
      best = Math.min(best, new ByteGroupingCodec(t).encode(raw).length);
    }
    if (base != null) {
      best = Math.min(best, new XorDeltaCodec(t).encode(raw, base).length);
      if (Tuning.subtract(t)) {
        best = Math.min(best, new SubtractDeltaCodec(t).encode(raw, base).length);
      }
      if (Tuning.magnitude(t)) {
        best = Math.min(best, new MagnitudeDeltaCodec(t).encode(raw, base).length);
      }
    }
    return best;
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.01, 0.1, 0.5, 0.9, 1.0})
  void sampledChoiceIsCloseToTheBestOfAll(double changed) throws IOException {
    for (int width : new int[] {2, 4, 8}) {
      ElementType t = new ElementType(width, true, false);
      byte[] base = FloatData.gaussian(width, MIB / width, 0, 0.02, width);
      byte[] raw = FloatData.nudged(base, width, changed, width + 1);
      EncodedChunk c = best(raw, t, base);
      int payload =
          c.objectLength()
              - ChunkFormat.HEADER_LENGTH
              - ChunkFormat.FOOTER_LENGTH
              - (c.base().isPresent() ? Digest.BYTES : 0);
      assertThat((double) payload)
          .as("width %d, %.0f%% changed, codec %d", width, changed * 100, c.codecId())
          .isLessThanOrEqualTo(oracle(raw, t, base) * 1.01 + 64);
      assertThat(decode(c, base)).isEqualTo(raw);
    }
  }

  @Property(tries = 40)
  void alwaysDecodesToTheInput(
      @ForAll @IntRange(min = 0, max = 600_000) int length,
      @ForAll @DoubleRange(min = 0, max = 1) double changed,
      @ForAll @IntRange(min = 0, max = 10) int typeIndex,
      @ForAll boolean withBase)
      throws IOException {
    ElementType t = FloatData.types().get(typeIndex);
    int w = t.unitWidth();
    byte[] base = FloatData.gaussian(w, length / w, length % w, 0.02, length);
    byte[] raw = FloatData.nudged(base, w, changed, length + 1);
    EncodedChunk c = best(raw, t, withBase ? base : null);
    assertThat(c.objectLength()).isLessThanOrEqualTo(raw.length + 27);
    if (!withBase) {
      assertThat(c.base()).isEmpty();
    }
    assertThat(decode(c, base)).isEqualTo(raw);
  }

  @Test
  void baseKeepsItsOwnCopy() throws CorruptObjectException {
    byte[] raw = FloatData.gaussian(4, 100, 0, 0.02, 9);
    ChunkEncoder.Base b = ChunkEncoder.Base.of(raw, true);
    raw[0] ^= 1;
    assertThat(b.raw()).isNotEqualTo(raw);
    b.raw()[1] ^= 1;
    assertThat(Digest.of(b.raw())).isEqualTo(b.id());
  }
}
