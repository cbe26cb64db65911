package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * Codec 5: zstd with the base as dictionary, for the bytes around the tensors, whose base (the same
 * stretch of the previous version) rarely has the same length.
 */
class PatchCodecTest {

  private static final PatchCodec PATCH = new PatchCodec();
  private static final ChunkDecoder DECODER = ChunkDecoder.standard();

  /** Bytes shaped like a pickle and zip headers: many names, a few numbers, some floats. */
  static byte[] headers(int entries, long seed) {
    Random r = new Random(seed);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < entries; i++) {
      s.append("PK\u0003\u0004archive/data/")
          .append(i)
          .append("model.layers.")
          .append(i % 12)
          .append(".attention.weight q")
          .append(r.nextInt(1000))
          .append(" _rebuild_tensor_v2 FloatStorage ")
          .append(Float.intBitsToFloat(r.nextInt()));
    }
    return s.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** {@code b} with {@code n} random bytes inserted at {@code at}. */
  static byte[] insert(byte[] b, int at, int n, long seed) {
    byte[] extra = new byte[n];
    new Random(seed).nextBytes(extra);
    byte[] out = new byte[b.length + n];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(extra, 0, out, at, n);
    System.arraycopy(b, at, out, at + n, b.length - at);
    return out;
  }

  @Test
  void aShiftedCopyOfTheBaseCostsLittleWhatZstdAloneCannotSee() throws CorruptObjectException {
    byte[] base = headers(3000, 1);
    byte[] raw = insert(base, base.length / 3, 100, 2);
    byte[] patch = PATCH.encode(raw, base);
    byte[] plain = new ZstdCodec().encode(raw);
    assertThat(patch.length).isLessThan(400).isLessThan(plain.length / 20);
    assertThat(PATCH.decode(patch, base, raw.length)).isEqualTo(raw);
  }

  @Property(tries = 300)
  void roundTripsAgainstABaseOfAnyLength(
      @ForAll @Size(max = 5000) byte[] raw,
      @ForAll @Size(max = 5000) byte[] unrelated,
      @ForAll @IntRange(min = 0, max = 3) int kind)
      throws CorruptObjectException {
    byte[] base;
    switch (kind) {
      case 0:
        base = unrelated;
        break;
      case 1:
        base = Arrays.copyOf(raw, raw.length / 2);
        break;
      case 2:
        base = insert(raw, raw.length / 2, 7, raw.length);
        break;
      default:
        base = new byte[0];
    }
    if (!PatchCodec.accepts(base)) {
      return;
    }
    byte[] baseCopy = base.clone();
    byte[] payload = PATCH.encode(raw, base);
    assertThat(PATCH.decode(payload, base, raw.length)).isEqualTo(raw);
    assertThat(base).as("the base must not be modified").isEqualTo(baseCopy);
  }

  @Test
  void neverTakesABaseThatZstdWouldReadAsATrainedDictionary() {
    byte[] magic = {0x37, (byte) 0xa4, 0x30, (byte) 0xec, 1, 2, 3, 4, 5, 6, 7, 8};
    assertThat(PatchCodec.accepts(magic)).isFalse();
    assertThat(PatchCodec.accepts(Arrays.copyOf(magic, 3))).isTrue();
    byte[] raw = headers(10, 3);
    assertThatThrownBy(() -> PATCH.encode(raw, magic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dictionary magic number");
    byte[] payload = PATCH.encode(raw, new byte[0]);
    assertThatThrownBy(() -> PATCH.decode(payload, magic, raw.length))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageContaining("dictionary magic number");
    // encodeBest falls back to the codecs that need no such base
    EncodedChunk c =
        ChunkEncoder.encodeBest(
            raw, ElementType.OPAQUE, Optional.of(ChunkEncoder.Base.of(magic, true)));
    assertThat(c.codecId()).isNotEqualTo(PatchCodec.ID);
    assertThat(c.base()).isEmpty();
  }

  @Test
  void encodeBestPatchesOpaqueBytesAgainstABaseOfAnotherLength() throws IOException {
    byte[] base = headers(3000, 4);
    byte[] raw = insert(base, 1000, 33, 5);
    EncodedChunk c =
        ChunkEncoder.encodeBest(
            raw, ElementType.OPAQUE, Optional.of(ChunkEncoder.Base.of(base, true)));
    assertThat(c.codecId()).isEqualTo(PatchCodec.ID);
    assertThat(c.base()).contains(Digest.of(base));
    assertThat(c.objectLength()).isLessThan(500);
    assertThat(DECODER.decode(c.toByteArray(), c.id(), d -> base.clone())).isEqualTo(raw);
  }

  @Test
  void floatingPointChunksStillNeedABaseOfTheSameLength() {
    byte[] raw = FloatData.gaussian(4, 1000, 0, 0.02, 6);
    byte[] shorter = Arrays.copyOf(raw, raw.length - 4);
    assertThatThrownBy(
            () ->
                ChunkEncoder.encodeBest(
                    raw, ElementType.FLOAT32, Optional.of(ChunkEncoder.Base.of(shorter, true))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a base must have the same length");
  }

  @Test
  void aWrongBaseNeverYieldsWrongBytes() throws IOException {
    byte[] base = headers(500, 7);
    byte[] raw = insert(base, 10, 5, 8);
    EncodedChunk c = ChunkEncoder.encodeDelta(raw, PATCH, ChunkEncoder.Base.of(base, true));
    byte[] other = headers(500, 9);
    assertThatThrownBy(() -> DECODER.decode(c.toByteArray(), c.id(), d -> other))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageContaining(c.id().toString());
  }

  /** Opaque bytes as a torch zip holds them: 64-byte headers between small float32 tensors. */
  private static byte[] headersAndFloats(byte[] floats) {
    byte[] out = new byte[floats.length / 1024 * (64 + 1024)];
    for (int i = 0, at = 0; i < floats.length; i += 1024) {
      byte[] h =
          ("PK archive/data/" + i / 1024 + " FB ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ")
              .getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(h, 0, out, at, 64);
      System.arraycopy(floats, i, out, at + 64, 1024);
      at += 64 + 1024;
    }
    return out;
  }

  @Test
  void opaqueBytesWithSmallFloatTensorsAreDeltaCodedInFloatUnits() throws IOException {
    byte[] floats = FloatData.gaussian(4, 64 * 256, 0, 0.05, 12);
    byte[] base = headersAndFloats(floats);
    byte[] raw = headersAndFloats(FloatData.nudged(floats, 4, 1.0, 13));
    EncodedChunk c =
        ChunkEncoder.encodeBest(
            raw, ElementType.OPAQUE, Optional.of(ChunkEncoder.Base.of(base, true)));
    assertThat(c.codecId()).isIn(XorDeltaCodec.ID, SubtractDeltaCodec.ID);
    byte[] object = c.toByteArray();
    ChunkHeader h = DECODER.header(object, c.id());
    assertThat(object[h.payloadOffset()]).as("unit width").isEqualTo((byte) 4);
    assertThat(c.objectLength())
        .isLessThan(
            ChunkEncoder.encodeDelta(raw, PATCH, ChunkEncoder.Base.of(base, true)).objectLength());
    assertThat(DECODER.decode(object, c.id(), d -> base.clone())).isEqualTo(raw);
  }
}
