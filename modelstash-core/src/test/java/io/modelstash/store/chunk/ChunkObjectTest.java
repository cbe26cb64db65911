package io.modelstash.store.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The chunk object format: framing, codec choice, and refusal of every kind of damage. */
class ChunkObjectTest {

  private static final ZstdCodec ZSTD = new ZstdCodec();
  private static final ChunkDecoder DECODER = ChunkDecoder.standard();

  /** Rewrites the CRC-32C footer so a deliberate header change passes the checksum. */
  private static byte[] refooter(byte[] object) {
    CRC32C crc = new CRC32C();
    crc.update(object, 0, object.length - 4);
    ByteBuffer.wrap(object, object.length - 4, 4).putInt((int) crc.getValue());
    return object;
  }

  @Test
  void writesTheDocumentedLayout() {
    byte[] raw = new byte[4096];
    EncodedChunk chunk = ChunkEncoder.encode(raw, ZSTD);
    byte[] o = chunk.toByteArray();
    ByteBuffer b = ByteBuffer.wrap(o);
    assertThat(new String(o, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("MSCK");
    assertThat(o[4]).isEqualTo((byte) 4);
    assertThat(o[5]).isEqualTo((byte) ZstdCodec.ID);
    assertThat(o[6]).isZero();
    assertThat(b.getLong(7)).isEqualTo(4096);
    assertThat(b.getLong(15)).isEqualTo(o.length - 27);
    assertThat(chunk.id()).isEqualTo(Digest.of(raw));
    assertThat(chunk.rawLength()).isEqualTo(4096);
    assertThat(chunk.objectLength()).isEqualTo(o.length);
    assertThat(chunk.codecId()).isEqualTo(ZstdCodec.ID);
  }

  @Test
  void fallsBackToStoredWhenCompressionDoesNotHelp() throws CorruptObjectException {
    byte[] random = ChunkCodecContract.random(10_000, 1);
    EncodedChunk chunk = ChunkEncoder.encode(random, ZSTD);
    assertThat(chunk.codecId()).isEqualTo(StoredCodec.ID);
    assertThat(chunk.objectLength()).isEqualTo(10_000 + 27);
    assertThat(DECODER.decode(chunk.toByteArray(), chunk.id())).isEqualTo(random);
    EncodedChunk empty = ChunkEncoder.encode(new byte[0], ZSTD);
    assertThat(empty.codecId()).isEqualTo(StoredCodec.ID);
    assertThat(DECODER.decode(empty.toByteArray(), Digest.of(new byte[0]))).isEmpty();
  }

  @Test
  void namesTheChunkWhenTheContentIsNotWhatWasAskedFor() throws CorruptObjectException {
    EncodedChunk chunk = ChunkEncoder.encode("abc".getBytes(), ZSTD);
    Digest other = Digest.of("abd".getBytes());
    assertThatThrownBy(() -> DECODER.decode(chunk.toByteArray(), other))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessage(
            "Chunk " + other + " is corrupt: expected sha256 " + other + ", actual " + chunk.id());
  }

  @Test
  void refusesEveryTruncation() {
    byte[] raw = ChunkCodecContract.floats(300, 2);
    EncodedChunk chunk = ChunkEncoder.encode(raw, ZSTD);
    byte[] o = chunk.toByteArray();
    for (int n = 0; n < o.length; n++) {
      byte[] cut = Arrays.copyOf(o, n);
      assertThatThrownBy(() -> DECODER.decode(cut, chunk.id()))
          .as("object cut to %d bytes", n)
          .isInstanceOf(CorruptObjectException.class)
          .hasMessageStartingWith("Chunk " + chunk.id() + " is corrupt: ");
    }
  }

  @Test
  void refusesEverySingleBitFlip() {
    for (ChunkCodec codec : new ChunkCodec[] {ZSTD, StoredCodec.INSTANCE}) {
      byte[] raw = ChunkCodecContract.floats(64, 3);
      EncodedChunk chunk = ChunkEncoder.encode(raw, codec);
      byte[] o = chunk.toByteArray();
      for (int bit = 0; bit < o.length * 8; bit++) {
        byte[] flipped = o.clone();
        flipped[bit / 8] ^= (byte) (1 << (bit % 8));
        assertThatThrownBy(() -> DECODER.decode(flipped, chunk.id()))
            .as("bit %d flipped", bit)
            .isInstanceOf(CorruptObjectException.class);
      }
    }
  }

  @Test
  void refusesANewerFormatVersionClearly() {
    byte[] o = ChunkEncoder.encode(new byte[100], ZSTD).toByteArray();
    o[4] = 5;
    Digest id = Digest.of(new byte[100]);
    assertThatThrownBy(() -> DECODER.decode(refooter(o), id))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessage(
            "Chunk "
                + id
                + " was written by a newer modelstash (chunk format version 5 > 4); upgrade"
                + " modelstash to read it");
  }

  @Test
  void refusesUnknownCodecsFlagsAndBases() {
    Digest id = Digest.of(new byte[100]);
    byte[] codec = ChunkEncoder.encode(new byte[100], ZSTD).toByteArray();
    codec[5] = 9;
    assertThatThrownBy(() -> DECODER.decode(refooter(codec), id))
        .hasMessageContaining("unknown codec id 9");
    byte[] flags = ChunkEncoder.encode(new byte[100], ZSTD).toByteArray();
    flags[6] = 4;
    assertThatThrownBy(() -> DECODER.decode(refooter(flags), id))
        .hasMessageContaining("unknown flags 04");
    byte[] base = ChunkEncoder.encode(new byte[100], ZSTD).toByteArray();
    base[6] = 1;
    assertThatThrownBy(() -> DECODER.decode(refooter(base), id))
        .isInstanceOf(CorruptObjectException.class);
    byte[] delta = ChunkEncoder.encode(new byte[100], ZSTD).toByteArray();
    delta[5] = (byte) XorDeltaCodec.ID;
    assertThatThrownBy(() -> DECODER.decode(refooter(delta), id))
        .hasMessageContaining("codec 3 is a delta codec, but no base chunk is set");
  }

  @Test
  void refusesHugeDeclaredLengthsBeforeAllocating() {
    Digest id = Digest.of(new byte[100]);
    byte[] o = ChunkEncoder.encode(new byte[100], ZSTD).toByteArray();
    ByteBuffer.wrap(o).putLong(7, Long.MAX_VALUE);
    assertThatThrownBy(() -> DECODER.decode(refooter(o), id)).hasMessageContaining("raw length");
    byte[] e = ChunkEncoder.encode(new byte[100], ZSTD).toByteArray();
    ByteBuffer.wrap(e).putLong(15, -1L);
    assertThatThrownBy(() -> DECODER.decode(refooter(e), id))
        .hasMessageContaining("encoded length 18446744073709551615");
  }

  @Test
  void readsTheOldestVersionAndNothingOlder() throws CorruptObjectException {
    byte[] raw = new byte[100];
    Digest id = Digest.of(raw);
    byte[] v1 = ChunkEncoder.encode(raw, ZSTD).toByteArray();
    v1[4] = 1;
    assertThat(DECODER.decode(refooter(v1), id)).isEqualTo(raw);
    byte[] v0 = v1.clone();
    v0[4] = 0;
    assertThatThrownBy(() -> DECODER.decode(refooter(v0), id))
        .hasMessageContaining("format version 0 at offset 4 does not exist");
  }

  @Test
  void headerReportsWhatWasWritten() throws CorruptObjectException {
    byte[] raw = new byte[5000];
    EncodedChunk chunk = ChunkEncoder.encode(raw, ZSTD);
    ChunkHeader h = DECODER.header(chunk.toByteArray(), chunk.id());
    assertThat(h)
        .isEqualTo(
            new ChunkHeader(
                ChunkFormat.VERSION,
                ZstdCodec.ID,
                5000,
                chunk.objectLength() - 27,
                Optional.empty(),
                23));
  }

  @Test
  void registryFindsCodecsById() {
    ChunkCodecRegistry r = ChunkCodecRegistry.standard();
    assertThat(r.byId(0)).containsSame(StoredCodec.INSTANCE);
    assertThat(r.byId(1)).get().isInstanceOf(ZstdCodec.class);
    assertThat(r.byId(2)).get().isInstanceOf(ByteGroupingCodec.class);
    assertThat(r.byId(3)).isEmpty();
    assertThat(r.deltaById(3)).get().isInstanceOf(XorDeltaCodec.class);
    assertThat(r.deltaById(4)).get().isInstanceOf(SubtractDeltaCodec.class);
    assertThat(r.deltaById(2)).isEmpty();
    assertThat(r.deltaById(5)).get().isInstanceOf(PatchCodec.class);
    assertThat(r.byId(5)).isEmpty();
    assertThat(r.deltaById(6)).get().isInstanceOf(MagnitudeDeltaCodec.class);
    assertThat(r.byId(6)).isEmpty();
    assertThat(r.byId(7)).isEmpty();
    assertThat(r.deltaById(7)).isEmpty();
    assertThat(r.codecs()).hasSize(3);
    assertThat(r.deltaCodecs()).hasSize(4);
    ZstdCodec strong = new ZstdCodec(19);
    assertThat(r.with(strong).byId(1)).containsSame(strong);
    assertThat(r.byId(1)).get().isNotSameAs(strong);
    // One id space: a plain codec replaces a delta codec of the same id, and back.
    ChunkCodecRegistry replaced = r.with(plainWithId(3));
    assertThat(replaced.deltaById(3)).isEmpty();
    assertThat(replaced.byId(3)).isPresent();
    assertThat(replaced.with(new XorDeltaCodec(ElementType.FLOAT32)).byId(3)).isEmpty();
  }

  private static ChunkCodec plainWithId(int id) {
    return new ChunkCodec() {
      @Override
      public int id() {
        return id;
      }

      @Override
      public String name() {
        return "test";
      }

      @Override
      public byte[] encode(byte[] raw) {
        return raw.clone();
      }

      @Override
      public byte[] decode(byte[] payload, int rawLength) {
        return payload.clone();
      }
    };
  }

  @Test
  void refusesChunksAboveTheLimit() {
    assertThatThrownBy(() -> ChunkEncoder.encode(new byte[ChunkFormat.MAX_RAW_LENGTH + 1], ZSTD))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Property(tries = 300)
  void damageIsAlwaysDetectedNeverWrongBytes(
      @ForAll @Size(max = 4000) byte[] raw,
      @ForAll @Size(min = 1, max = 4) int[] positions,
      @ForAll @IntRange(min = 1, max = 255) int xor,
      @ForAll boolean compressible) {
    byte[] input = compressible ? Arrays.copyOf(raw, raw.length * 3) : raw;
    EncodedChunk chunk = ChunkEncoder.encode(input, ZSTD);
    byte[] o = chunk.toByteArray();
    byte[] damaged = o.clone();
    for (int p : positions) {
      damaged[Math.floorMod(p, o.length)] ^= (byte) xor;
    }
    try {
      byte[] out = DECODER.decode(damaged, chunk.id());
      assertThat(out).isEqualTo(input);
      assertThat(damaged).as("only an undamaged object may decode").isEqualTo(o);
    } catch (CorruptObjectException expected) {
      assertThat(expected.getMessage()).startsWith("Chunk " + chunk.id());
    }
  }

  @Property(tries = 200)
  void roundTripsAnything(@ForAll @Size(max = 6000) byte[] raw, @ForAll boolean repeat)
      throws CorruptObjectException {
    byte[] input = repeat ? Arrays.copyOf(raw, raw.length * 4) : raw;
    EncodedChunk chunk = ChunkEncoder.encode(input, ZSTD);
    assertThat(chunk.objectLength()).isLessThanOrEqualTo(input.length + 27);
    assertThat(DECODER.decode(chunk.toByteArray(), Digest.of(input))).isEqualTo(input);
  }
}
