package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The rANS stream coder: exact round trips, sizes near the entropy, and refusal of bad input. */
class RansTest {

  /** Encodes with the normalized table of the stream itself, as the grouped payload does. */
  private static byte[] encode(byte[] src) {
    int[] counts = new int[256];
    Entropy.histogram(src, 0, src.length, 1, counts);
    int[] freq = Rans.normalize(counts, src.length);
    byte[] out = new byte[src.length * 2 + 1024];
    int len = Rans.encode(src, 0, src.length, freq, out, 0, out.length);
    assertThat(len).isPositive();
    return Arrays.copyOf(out, len);
  }

  private static byte[] decode(byte[] coded, int n) throws CorruptObjectException {
    byte[] out = new byte[n];
    Rans.decode(coded, 0, coded.length, out, 0, n, 0);
    return out;
  }

  /** {@code n} bytes where symbol 0 has probability {@code p0} and the rest is spread out. */
  private static byte[] skewed(int n, double p0, int symbols, long seed) {
    Random r = new Random(seed);
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = r.nextDouble() < p0 ? 0 : (byte) (1 + r.nextInt(symbols - 1));
    }
    return b;
  }

  @Property(tries = 200)
  void roundTripsSkewedStreams(
      @ForAll @IntRange(min = 1, max = 20_000) int n,
      @ForAll @IntRange(min = 0, max = 100) int percentOfZeros,
      @ForAll @IntRange(min = 2, max = 256) int symbols,
      @ForAll long seed)
      throws CorruptObjectException {
    byte[] src = skewed(n, percentOfZeros / 100.0, symbols, seed);
    assertThat(decode(encode(src), n)).isEqualTo(src);
  }

  @Test
  void roundTripsEdgeCases() throws CorruptObjectException {
    byte[] constant = new byte[100_000];
    Arrays.fill(constant, (byte) 7);
    byte[] coded = encode(constant);
    // one symbol costs nothing but its table entry and the state
    assertThat(coded).hasSize(4 + 1 + 3 + 8);
    assertThat(decode(coded, constant.length)).isEqualTo(constant);

    byte[] all = new byte[256 * 40];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) (i * 31);
    }
    assertThat(decode(encode(all), all.length)).isEqualTo(all);

    byte[] rare = skewed(50_000, 0.999, 256, 3);
    rare[0] = (byte) 255;
    assertThat(decode(encode(rare), rare.length)).isEqualTo(rare);
  }

  @Test
  void codesADominatedStreamNearItsEntropyWhereHuffmanCannot() {
    // the exponent byte of a delta between nearby floats looks like this: mostly one value
    byte[] src = skewed(1 << 20, 0.9, 16, 11);
    double entropyBytes = Entropy.bits(src) / 8;
    int coded = encode(src).length;
    assertThat(coded).isLessThan((int) (entropyBytes * 1.01));
    // a Huffman code needs at least one bit per symbol, 128 KiB here; the entropy is 0.86 bits
    assertThat(coded).isLessThan((1 << 20) / 8 * 9 / 10);
  }

  @Test
  void givesUpWhenTheOutputWouldNotFit() {
    byte[] src = new byte[1000];
    new Random(5).nextBytes(src);
    int[] counts = new int[256];
    Entropy.histogram(src, 0, src.length, 1, counts);
    int[] freq = Rans.normalize(counts, src.length);
    assertThat(Rans.encode(src, 0, src.length, freq, new byte[900], 0, 900)).isEqualTo(-1);
  }

  @Test
  void normalizedTablesSumToTheScaleAndKeepEverySymbol() {
    int[] counts = new int[256];
    counts[0] = 10_000_000;
    for (int s = 1; s < 256; s++) {
      counts[s] = 1;
    }
    int[] freq = Rans.normalize(counts, 10_000_255);
    assertThat(Arrays.stream(freq).sum()).isEqualTo(Rans.SCALE);
    assertThat(Arrays.stream(freq).min().getAsInt()).isEqualTo(1);
  }

  @Test
  void refusesMalformedInputWithAClearError() {
    byte[] src = skewed(5000, 0.7, 20, 9);
    byte[] coded = encode(src);
    assertThatThrownBy(() -> decode(Arrays.copyOf(coded, coded.length - 1), src.length))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageStartingWith("rANS stream 0 ");
    byte[] longer = Arrays.copyOf(coded, coded.length + 1);
    assertThatThrownBy(() -> decode(longer, src.length)).isInstanceOf(CorruptObjectException.class);
    byte[] badTable = coded.clone();
    badTable[6] ^= 0x40; // the first frequency: the table no longer sums to the scale
    assertThatThrownBy(() -> decode(badTable, src.length))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageContaining("frequenc");
    assertThatThrownBy(() -> decode(new byte[0], 10)).isInstanceOf(CorruptObjectException.class);
  }

  @Property(tries = 300)
  void anyDamageIsRefusedOrDecodesToSomethingNeverCrashes(
      @ForAll @IntRange(min = 0, max = 100_000) int where,
      @ForAll @IntRange(min = 1, max = 255) int xor) {
    byte[] src = skewed(3000, 0.8, 40, 17);
    byte[] coded = encode(src);
    coded[where % coded.length] ^= (byte) xor;
    try {
      byte[] out = decode(coded, src.length);
      // a flip the end checks cannot see is caught by the chunk's checksum and SHA-256
      assertThat(out).hasSize(src.length);
    } catch (CorruptObjectException expected) {
      assertThat(expected).hasMessageStartingWith("rANS stream 0 ");
    }
  }
}
