package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class EntropyTest {

  /** For chunks whose streams need no base: fails the test if asked. */
  private static final BaseLoader NO_BASE =
      d -> {
        throw new AssertionError("asked for base " + d);
      };

  @Test
  void measuresKnownDistributions() {
    assertThat(Entropy.bits(new byte[0])).isZero();
    assertThat(Entropy.bits(new byte[1000])).isZero();
    byte[] two = new byte[1000];
    for (int i = 0; i < two.length; i += 2) {
      two[i] = 1;
    }
    assertThat(Entropy.bits(two)).isCloseTo(1000, within(1e-6));
    byte[] all = new byte[256 * 10];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    assertThat(Entropy.bits(all)).isCloseTo(8 * all.length, within(1e-6));
    // p = 1/4, 3/4: H = 0.8113 bits per symbol
    byte[] skewed = new byte[400];
    for (int i = 0; i < 100; i++) {
      skewed[i] = 9;
    }
    assertThat(Entropy.bits(skewed)).isCloseTo(400 * 0.811278, within(1e-3));
    assertThat(Entropy.bits(skewed, 100, 300)).isZero();
  }

  @Test
  void refusesRangesOutsideTheArray() {
    assertThatThrownBy(() -> Entropy.bits(new byte[10], 5, 6))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Entropy.bits(new byte[10], -1, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void reportsTheStreamsOfAGroupedChunk() throws IOException {
    byte[] raw = FloatData.gaussian(4, 50_000, 3, 0.02, 1);
    EncodedChunk c = ChunkEncoder.encode(raw, new ByteGroupingCodec(ElementType.FLOAT32));
    List<Entropy.Stream> streams = Entropy.streams(c.toByteArray(), c.id(), NO_BASE);
    assertThat(streams).hasSize(5);
    int stored = 0;
    for (Entropy.Stream s : streams) {
      assertThat(s.bits()).isBetween(0.0, 8.0 * s.length());
      stored += s.storedLength();
    }
    assertThat(streams.get(4).length()).as("the tail").isEqualTo(3);
    int payload = c.objectLength() - 27;
    assertThat(stored).isEqualTo(payload - (2 + 5 * 4));
    // The mantissa bytes are near random, the exponent byte is not.
    assertThat(streams.get(0).bits() / streams.get(0).length()).isGreaterThan(7.9);
    assertThat(streams.get(3).bits() / streams.get(3).length()).isLessThan(4);
    assertThat(streams.get(3).storedLength() * 8.0)
        .isGreaterThanOrEqualTo(streams.get(3).bits() * 0.99);
  }

  @Test
  void reportsDeltaStreamsWithoutTheBase() throws IOException {
    byte[] base = FloatData.gaussian(4, 50_000, 0, 0.02, 2);
    EncodedChunk c =
        ChunkEncoder.encodeDelta(
            FloatData.nudged(base, 4, 0.1, 3),
            new SubtractDeltaCodec(ElementType.FLOAT32),
            ChunkEncoder.Base.of(base, true));
    assertThat(c.base()).isPresent();
    List<Entropy.Stream> streams = Entropy.streams(c.toByteArray(), c.id(), NO_BASE);
    assertThat(streams).hasSize(4);
    double total = streams.stream().mapToDouble(Entropy.Stream::bits).sum();
    assertThat(total / 8).isLessThan(base.length * 0.3);
  }

  @Test
  void reportsMagnitudeStreamsWithoutTheBase() throws IOException {
    byte[] base = FloatData.gaussian(4, 50_001, 0, 0.02, 2);
    byte[] raw = Arrays.copyOf(FloatData.nudged(base, 4, 0.1, 3), base.length + 3);
    EncodedChunk c =
        ChunkEncoder.encodeDelta(
            raw,
            new MagnitudeDeltaCodec(ElementType.FLOAT32),
            ChunkEncoder.Base.of(Arrays.copyOf(base, raw.length), true));
    List<Entropy.Stream> streams = Entropy.streams(c.toByteArray(), c.id(), NO_BASE);
    // one stream per length table, then the packed bits, then the three tail bytes
    assertThat(streams.size()).isGreaterThanOrEqualTo(3);
    Entropy.Stream tail = streams.get(streams.size() - 1);
    assertThat(tail.length()).isEqualTo(3);
    int symbols =
        streams.subList(0, streams.size() - 2).stream().mapToInt(Entropy.Stream::length).sum();
    assertThat(symbols).as("a symbol per whole unit").isEqualTo(50_001);
    int stored = streams.stream().mapToInt(Entropy.Stream::storedLength).sum();
    assertThat(stored).isLessThan(c.objectLength()).isGreaterThan(c.objectLength() - 400);
    for (Entropy.Stream s : streams.subList(0, streams.size() - 2)) {
      assertThat(s.storedLength() * 8.0).isGreaterThanOrEqualTo(s.bits() * 0.99);
    }
  }

  @Test
  void reportsPlainChunksAsOneStream() throws IOException {
    byte[] raw = new byte[5000];
    raw[7] = 1;
    EncodedChunk c = ChunkEncoder.encode(raw, new ZstdCodec());
    List<Entropy.Stream> streams = Entropy.streams(c.toByteArray(), c.id(), NO_BASE);
    assertThat(streams).hasSize(1);
    assertThat(streams.get(0).length()).isEqualTo(5000);
    assertThat(streams.get(0).bits()).isCloseTo(Entropy.bits(raw), within(1e-9));
  }

  @Test
  void reportsAPatchChunkAsItsRawBytesDecodedAgainstItsBase() throws IOException {
    byte[] base = PatchCodecTest.headers(300, 1);
    byte[] raw = PatchCodecTest.insert(base, 100, 10, 2);
    EncodedChunk c =
        ChunkEncoder.encodeDelta(raw, new PatchCodec(), ChunkEncoder.Base.of(base, true));
    List<Entropy.Stream> streams = Entropy.streams(c.toByteArray(), c.id(), d -> base.clone());
    assertThat(streams).hasSize(1);
    assertThat(streams.get(0).length()).isEqualTo(raw.length);
    assertThat(streams.get(0).bits()).isCloseTo(Entropy.bits(raw), within(1e-9));
    // matches into the base go far below order-0
    assertThat(streams.get(0).storedLength() * 8.0).isLessThan(streams.get(0).bits() / 10);
  }

  @Property
  void histogramCountsEveryStepthByteOfTheRange(
      @ForAll @Size(max = 300) byte[] bytes,
      @ForAll @IntRange(max = 40) int off,
      @ForAll @IntRange(min = 1, max = 7) int step) {
    int from = Math.min(off, bytes.length);
    int len = bytes.length - from;
    int[] expected = new int[256];
    for (int i = from; i < from + len; i += step) {
      expected[bytes[i] & 0xff]++;
    }
    int[] counts = new int[256];
    counts[7] = 5; // histogram adds to what is there
    expected[7] += 5;
    Entropy.histogram(bytes, from, len, step, counts);
    assertThat(counts).isEqualTo(expected);
  }
}
