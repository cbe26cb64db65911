package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Delta chunk objects: the base in the header, decoding through a loader, refusal of damage. */
class DeltaChunkTest {

  private static final ChunkDecoder DECODER = ChunkDecoder.standard();
  private static final XorDeltaCodec XOR = new XorDeltaCodec(ElementType.FLOAT32);

  private static final byte[] BASE = FloatData.gaussian(4, 2000, 0, 0.02, 1);
  private static final byte[] RAW = FloatData.nudged(BASE, 4, 0.1, 2);

  private static ChunkEncoder.Base base() {
    return ChunkEncoder.Base.of(BASE, true);
  }

  /** A loader that only knows {@link #BASE} and records what it was asked for. */
  private static final class Loader implements BaseLoader {
    final List<Digest> asked = new ArrayList<>();

    @Override
    public byte[] load(Digest d) throws IOException {
      asked.add(d);
      if (!d.equals(Digest.of(BASE))) {
        throw new IOException("no such chunk " + d);
      }
      return BASE.clone();
    }
  }

  /** What a real loader throws when asked for a chunk it does not have. */
  private static final class MissingBase extends IOException {
    private static final long serialVersionUID = 1L;
    final transient Digest digest;

    MissingBase(Digest digest) {
      super("no chunk " + digest);
      this.digest = digest;
    }
  }

  private static byte[] refooter(byte[] object) {
    CRC32C crc = new CRC32C();
    crc.update(object, 0, object.length - 4);
    ByteBuffer.wrap(object, object.length - 4, 4).putInt((int) crc.getValue());
    return object;
  }

  @Test
  void writesTheBaseIntoTheHeader() throws IOException {
    EncodedChunk chunk = ChunkEncoder.encodeDelta(RAW, XOR, base());
    byte[] o = chunk.toByteArray();
    assertThat(o[5]).isEqualTo((byte) XorDeltaCodec.ID);
    assertThat(o[6]).as("flag bit 0: a base digest follows").isEqualTo((byte) 1);
    assertThat(Arrays.copyOfRange(o, 23, 55)).isEqualTo(Digest.of(BASE).toBytes());
    assertThat(ByteBuffer.wrap(o).getLong(15)).isEqualTo(o.length - 55 - 4);
    assertThat(chunk.base()).contains(Digest.of(BASE));
    assertThat(chunk.id()).isEqualTo(Digest.of(RAW));
    ChunkHeader h = DECODER.header(o, chunk.id());
    assertThat(h.base()).contains(Digest.of(BASE));
    assertThat(h.payloadOffset()).isEqualTo(55);
    Loader loader = new Loader();
    assertThat(DECODER.decode(o, chunk.id(), loader)).isEqualTo(RAW);
    assertThat(loader.asked).containsExactly(Digest.of(BASE));
  }

  @Test
  void plainDecodeExplainsThatABaseIsNeeded() {
    EncodedChunk chunk = ChunkEncoder.encodeDelta(RAW, XOR, base());
    assertThatThrownBy(() -> DECODER.decode(chunk.toByteArray(), chunk.id()))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessage(
            "Chunk "
                + chunk.id()
                + " is a delta against chunk "
                + Digest.of(BASE)
                + " and cannot be decoded without it (decode it with a BaseLoader)");
  }

  @Test
  void decodesPlainChunksWithALoaderWithoutCallingIt() throws IOException {
    EncodedChunk chunk = ChunkEncoder.encode(RAW, new ByteGroupingCodec(ElementType.FLOAT32));
    Loader loader = new Loader();
    assertThat(DECODER.decode(chunk.toByteArray(), chunk.id(), loader)).isEqualTo(RAW);
    assertThat(loader.asked).isEmpty();
  }

  @Test
  void refusesABaseThatIsItselfADelta() {
    ChunkEncoder.Base delta = new ChunkEncoder.Base(Digest.of(BASE), BASE, false);
    String message =
        "Cannot delta-encode against chunk "
            + Digest.of(BASE)
            + ": it is itself stored as a delta (delta depth is at most 1; use its base or no"
            + " base)";
    assertThatThrownBy(() -> ChunkEncoder.encodeDelta(RAW, XOR, delta))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
    assertThatThrownBy(() -> ChunkEncoder.encodeBest(RAW, ElementType.FLOAT32, Optional.of(delta)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void refusesABaseOfAnotherLength() {
    ChunkEncoder.Base shorter = ChunkEncoder.Base.of(Arrays.copyOf(BASE, 7996), true);
    assertThatThrownBy(() -> ChunkEncoder.encodeDelta(RAW, XOR, shorter))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("a base must have the same length");
    assertThatThrownBy(
            () -> ChunkEncoder.encodeBest(RAW, ElementType.FLOAT32, Optional.of(shorter)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void storesTheChunkWithoutABaseWhenTheDeltaDoesNotHelp() throws CorruptObjectException {
    byte[] random = ChunkCodecContract.random(5000, 3);
    EncodedChunk chunk =
        ChunkEncoder.encodeDelta(
            random, XOR, ChunkEncoder.Base.of(ChunkCodecContract.random(5000, 4), true));
    assertThat(chunk.codecId()).isEqualTo(StoredCodec.ID);
    assertThat(chunk.base()).isEmpty();
    assertThat(DECODER.decode(chunk.toByteArray(), chunk.id())).isEqualTo(random);
  }

  @Test
  void aWrongBaseIsDetected() throws IOException {
    EncodedChunk chunk = ChunkEncoder.encodeDelta(RAW, XOR, base());
    byte[] o = chunk.toByteArray();
    byte[] other = BASE.clone();
    other[100] ^= 1;
    assertThatThrownBy(() -> DECODER.decode(o, chunk.id(), d -> other))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageStartingWith("Chunk " + chunk.id() + " is corrupt: expected sha256 ");
    assertThatThrownBy(() -> DECODER.decode(o, chunk.id(), d -> Arrays.copyOf(BASE, 10)))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessage(
            "Chunk "
                + chunk.id()
                + " is corrupt: the base has 10 bytes, the delta needs 8000 (base "
                + Digest.of(BASE)
                + ")");
  }

  @Test
  void loaderFailuresPropagate() {
    EncodedChunk chunk = ChunkEncoder.encodeDelta(RAW, XOR, base());
    IOException missing = new IOException("base is missing");
    assertThatThrownBy(
            () ->
                DECODER.decode(
                    chunk.toByteArray(),
                    chunk.id(),
                    d -> {
                      throw missing;
                    }))
        .isSameAs(missing);
  }

  @Test
  void refusesBaseFlagsThatDoNotMatchTheCodec() {
    EncodedChunk delta = ChunkEncoder.encodeDelta(RAW, XOR, base());
    byte[] o = delta.toByteArray();
    // Clear the flag and cut the digest out: a delta codec without a base.
    byte[] noBase = new byte[o.length - 32];
    System.arraycopy(o, 0, noBase, 0, 23);
    System.arraycopy(o, 55, noBase, 23, o.length - 55);
    noBase[6] = 0;
    refooter(noBase);
    assertThatThrownBy(() -> DECODER.decode(noBase, delta.id(), new Loader()))
        .hasMessageContaining("codec 3 is a delta codec, but no base chunk is set");
    // A plain codec with a base.
    byte[] plain = o.clone();
    plain[5] = (byte) ByteGroupingCodec.ID;
    refooter(plain);
    assertThatThrownBy(() -> DECODER.decode(plain, delta.id(), new Loader()))
        .hasMessageContaining("codec 2 does not use a base chunk, but one is set");
    assertThatThrownBy(() -> DECODER.decode(plain, delta.id()))
        .hasMessageContaining("codec 2 does not use a base chunk, but one is set");
    byte[] unknown = o.clone();
    unknown[5] = 99;
    refooter(unknown);
    assertThatThrownBy(() -> DECODER.decode(unknown, delta.id(), new Loader()))
        .hasMessageContaining("unknown codec id 99");
  }

  @Test
  void refusesEveryTruncationAndEveryBitFlip() {
    for (DeltaCodec codec : new DeltaCodec[] {XOR, new SubtractDeltaCodec(ElementType.FLOAT32)}) {
      byte[] base = FloatData.gaussian(4, 64, 1, 0.02, 5);
      byte[] raw = FloatData.nudged(base, 4, 0.3, 6);
      EncodedChunk chunk = ChunkEncoder.encodeDelta(raw, codec, ChunkEncoder.Base.of(base, true));
      assertThat(chunk.base()).isPresent();
      byte[] o = chunk.toByteArray();
      BaseLoader loader = d -> base.clone();
      for (int n = 0; n < o.length; n++) {
        byte[] cut = Arrays.copyOf(o, n);
        assertThatThrownBy(() -> DECODER.decode(cut, chunk.id(), loader))
            .as("%s object cut to %d bytes", codec, n)
            .isInstanceOf(CorruptObjectException.class);
      }
      for (int bit = 0; bit < o.length * 8; bit++) {
        byte[] flipped = o.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThatThrownBy(() -> DECODER.decode(flipped, chunk.id(), loader))
            .as("%s bit %d flipped", codec, bit)
            .isInstanceOf(CorruptObjectException.class);
      }
    }
  }

  @Property(tries = 300)
  void damageIsAlwaysDetectedNeverWrongBytes(
      @ForAll @Size(min = 1, max = 1000) int[] values,
      @ForAll @Size(min = 1, max = 4) int[] positions,
      @ForAll @IntRange(min = 1, max = 255) int xor,
      @ForAll boolean subtract,
      @ForAll boolean refooter) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4);
    for (int v : values) {
      b.putInt(v);
    }
    byte[] base = b.array();
    byte[] raw = FloatData.nudged(base, 4, 0.2, values.length);
    DeltaCodec codec = subtract ? new SubtractDeltaCodec(ElementType.FLOAT32) : XOR;
    EncodedChunk chunk = ChunkEncoder.encodeDelta(raw, codec, ChunkEncoder.Base.of(base, true));
    byte[] o = chunk.toByteArray();
    byte[] damaged = o.clone();
    for (int p : positions) {
      damaged[Math.floorMod(p, o.length - 4)] ^= (byte) xor;
    }
    if (refooter) {
      // Past the checksum, only the codec and the final SHA-256 stand between damage and output.
      refooter(damaged);
    }
    Digest baseId = Digest.of(base);
    BaseLoader loader =
        d -> {
          if (!d.equals(baseId)) {
            throw new MissingBase(d);
          }
          return base.clone();
        };
    try {
      byte[] out = DECODER.decode(damaged, chunk.id(), loader);
      assertThat(out).as("decoded bytes are always the right ones").isEqualTo(raw);
      if (!refooter) {
        assertThat(damaged).as("the checksum lets only an undamaged object through").isEqualTo(o);
      }
    } catch (MissingBase expected) {
      assertThat(expected.digest).isNotEqualTo(baseId);
    } catch (IOException expected) {
      assertThat(expected).isInstanceOf(CorruptObjectException.class);
      assertThat(expected.getMessage()).startsWith("Chunk " + chunk.id());
    }
  }
}
