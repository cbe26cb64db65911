package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ByteGroupingCodecTest extends ChunkCodecContract {

  private static final ByteGroupingCodec CODEC = new ByteGroupingCodec(ElementType.FLOAT32);

  @Override
  protected ChunkCodec codec() {
    return CODEC;
  }

  @Test
  void writesTheDocumentedLayout() throws CorruptObjectException {
    byte[] raw = FloatData.gaussian(4, 10_000, 3, 0.02, 1);
    byte[] p = new ByteGroupingCodec(ElementType.FLOAT32, true).encode(raw);
    ByteBuffer b = ByteBuffer.wrap(p);
    assertThat(p[0]).as("unit width").isEqualTo((byte) 4);
    assertThat(p[1]).as("flags: rotated").isEqualTo((byte) 1);
    int at = 2 + 5 * 4;
    for (int s = 0; s < 4; s++) {
      int method = p[2 + 5 * s];
      int len = b.getInt(2 + 5 * s + 1);
      if (s < 3) {
        assertThat(method).as("mantissa stream %d is kept raw", s).isEqualTo(0);
        assertThat(len).isEqualTo(10_000);
      } else {
        // few distinct exponents, one of them dominant: rANS beats zstd's Huffman stage here
        assertThat(method).as("the exponent stream is rANS-coded").isEqualTo(2);
        byte[] exponents = new byte[10_000];
        Rans.decode(p, at, len, exponents, 0, 10_000, 3);
        assertThat(exponents)
            .as("stream 3 is the top byte of each rotated unit")
            .satisfies(
                e -> {
                  int x =
                      Integer.rotateLeft(
                          ByteBuffer.wrap(raw, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt(), 1);
                  assertThat(e[0]).isEqualTo((byte) (x >>> 24));
                });
      }
      at += len;
    }
    assertThat(p.length - at).as("the tail").isEqualTo(3);
    assertThat(Arrays.copyOfRange(p, at, p.length))
        .isEqualTo(Arrays.copyOfRange(raw, 40_000, 40_003));
  }

  @Test
  void beatsPlainZstdOnWeights() {
    for (int width : new int[] {2, 4}) {
      byte[] raw = FloatData.gaussian(width, 200_000, 0, 0.02, width);
      ElementType t = width == 2 ? ElementType.FLOAT16 : ElementType.FLOAT32;
      double grouped = new ByteGroupingCodec(t).encode(raw).length / (double) raw.length;
      double zstd = new ZstdCodec().encode(raw).length / (double) raw.length;
      assertThat(grouped).as("width %d", width).isLessThan(zstd - 0.05);
    }
  }

  @Test
  void anyInstanceDecodesAnyWidthAndRotation() throws CorruptObjectException {
    for (ElementType t : FloatData.types()) {
      for (boolean rotate : new boolean[] {false, true}) {
        byte[] raw = FloatData.mixed(t.unitWidth(), 500, 1, 2);
        byte[] p = new ByteGroupingCodec(t, rotate).encode(raw);
        assertThat(CODEC.decode(p, raw.length)).as("%s rotated %s", t, rotate).isEqualTo(raw);
      }
    }
  }

  @Test
  void rotationChangesThePayloadNotTheResult() throws CorruptObjectException {
    byte[] raw = FloatData.gaussian(4, 5000, 0, 0.02, 3);
    byte[] plain = new ByteGroupingCodec(ElementType.FLOAT32, false).encode(raw);
    byte[] rotated = new ByteGroupingCodec(ElementType.FLOAT32, true).encode(raw);
    assertThat(plain[1]).isZero();
    assertThat(rotated[1]).isEqualTo((byte) 1);
    assertThat(rotated).isNotEqualTo(plain);
    assertThat(CODEC.decode(plain, raw.length)).isEqualTo(CODEC.decode(rotated, raw.length));
  }

  @Test
  void widthOneHasOneStreamAndNoRotation() {
    byte[] raw = FloatData.mixed(1, 3000, 0, 4);
    byte[] p = new ByteGroupingCodec(ElementType.FLOAT8, true).encode(raw);
    assertThat(p[0]).isEqualTo((byte) 1);
    assertThat(p[1]).isZero();
  }

  private static byte[] payload() {
    return new ByteGroupingCodec(ElementType.FLOAT16, true)
        .encode(FloatData.gaussian(2, 1000, 1, 0.02, 5));
  }

  @Test
  void refusesMalformedHeaders() {
    byte[] width = payload();
    width[0] = 3;
    assertThatThrownBy(() -> CODEC.decode(width, 2001))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessage("grouped payload has unit width 3 at offset 0, expected 1, 2, 4 or 8");
    byte[] flags = payload();
    flags[1] = 2;
    assertThatThrownBy(() -> CODEC.decode(flags, 2001))
        .hasMessage("grouped payload has unknown flags 02 at offset 1");
    byte[] method = payload();
    method[2] = 7;
    assertThatThrownBy(() -> CODEC.decode(method, 2001))
        .hasMessage("stream 0 has unknown method 7 at offset 2");
    byte[] rawLength = payload();
    ByteBuffer.wrap(rawLength).putInt(3, 999);
    assertThatThrownBy(() -> CODEC.decode(rawLength, 2001))
        .hasMessage("raw stream 0 has 999 bytes, expected 1000");
    byte[] total = payload();
    ByteBuffer.wrap(total).putInt(8, ByteBuffer.wrap(total).getInt(8) + 1);
    assertThatThrownBy(() -> CODEC.decode(total, 2001))
        .hasMessageStartingWith(
            "grouped payload has " + total.length + " bytes, its header accounts for");
    byte[] huge = payload();
    ByteBuffer.wrap(huge).putInt(8, -1);
    assertThatThrownBy(() -> CODEC.decode(huge, 2001)).isInstanceOf(CorruptObjectException.class);
  }

  @Test
  void refusesAStreamThatDecodesToTheWrongLength() {
    byte[] raw = new byte[4000];
    byte[] p = CODEC.encode(raw);
    assertThatThrownBy(() -> CODEC.decode(p, 4004))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageContaining("stream 0");
  }

  /** Float32 values whose size drifts slowly along the tensor, as along a row of moments. */
  static byte[] drifting(int n, long seed) {
    java.util.Random r = new java.util.Random(seed);
    ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
    double scale = 1e-3;
    for (int i = 0; i < n; i++) {
      if (i % 64 == 0) {
        scale = Math.exp(r.nextGaussian() * 3) * 1e-3;
      }
      b.putFloat((float) (r.nextGaussian() * scale));
    }
    return b.array();
  }

  private static int[] methods(byte[] payload, int rawLength) throws CorruptObjectException {
    return GroupedPayload.parse(payload, rawLength).methods;
  }

  @Test
  void codesAnExponentStreamWithItsNeighboursAsContext() throws CorruptObjectException {
    byte[] raw = drifting(65_536, 21);
    ByteGroupingCodec codec = new ByteGroupingCodec(ElementType.FLOAT32);
    byte[] p = codec.encode(raw);
    assertThat(methods(p, raw.length)[3]).isEqualTo(GroupedPayload.CONTEXT_RANS);
    assertThat(codec.decode(p, raw.length)).isEqualTo(raw);
    // the same exponents in a random order have no neighbours to learn from
    java.util.List<Integer> order = new java.util.ArrayList<>();
    for (int i = 0; i < 65_536; i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, new java.util.Random(22));
    byte[] shuffled = new byte[raw.length];
    for (int i = 0; i < order.size(); i++) {
      System.arraycopy(raw, 4 * order.get(i), shuffled, 4 * i, 4);
    }
    byte[] q = codec.encode(shuffled);
    assertThat(methods(q, raw.length)[3]).isNotEqualTo(GroupedPayload.CONTEXT_RANS);
    assertThat(p.length).isLessThan(q.length - 4096);
  }

  @Test
  void aDamagedContextStreamFailsCleanlyOrKeepsTheLength() {
    byte[] raw = drifting(8192, 23);
    ByteGroupingCodec codec = new ByteGroupingCodec(ElementType.FLOAT32);
    byte[] p = codec.encode(raw);
    java.util.Random r = new java.util.Random(24);
    for (int trial = 0; trial < 300; trial++) {
      byte[] damaged = p.clone();
      damaged[r.nextInt(damaged.length)] ^= (byte) (1 << r.nextInt(8));
      try {
        assertThat(codec.decode(damaged, raw.length)).hasSize(raw.length);
      } catch (CorruptObjectException expected) {
        // refused: fine
      }
    }
    for (int cut = 0; cut < p.length; cut += 97) {
      byte[] truncated = Arrays.copyOf(p, cut);
      assertThatThrownBy(() -> codec.decode(truncated, raw.length))
          .isInstanceOf(CorruptObjectException.class);
    }
  }
}
