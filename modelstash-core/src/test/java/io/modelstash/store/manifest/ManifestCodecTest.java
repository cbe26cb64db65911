package io.modelstash.store.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Manifests round-trip through format 2, manifests earlier code wrote (format 1, see {@link
 * GoldenManifests} and the resources' README) still read, and damaged or hostile manifests are
 * refused with a {@link CorruptObjectException} naming the manifest.
 */
class ManifestCodecTest {

  private static final Digest NAME = Digest.of(new byte[] {42});

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ManifestCodecTest.class.getResourceAsStream(name)) {
      assertThat(in).as("resource %s", name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static void assertSameManifest(Manifest actual, Manifest expected) {
    assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
  }

  /** The JSON of a format-1 object, read by the documented layout. */
  private static byte[] v1Json(byte[] v1) {
    return Arrays.copyOfRange(v1, 9, v1.length - 4);
  }

  /** A format-2 object with the given declared JSON length and zstd frame, correctly framed. */
  private static byte[] v2(long declaredJsonLength, byte[] frame) {
    byte[] body =
        ByteBuffer.allocate(4 + frame.length)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putInt((int) declaredJsonLength)
            .put(frame)
            .array();
    return JsonEnvelope.wrap(ManifestCodec.MAGIC, 2, body);
  }

  private static void assertCorrupt(byte[] data, String message) {
    assertThatThrownBy(() -> ManifestCodec.decode(data, NAME))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessageStartingWith("Manifest " + NAME.hex() + " is corrupt: ")
        .hasMessageContaining(message);
  }

  @Test
  void readsVersion1WrittenByEarlierCode() throws Exception {
    byte[] v1 = resource("v1-manifest.msmf");
    assertThat(v1[4]).isEqualTo((byte) 1);
    assertSameManifest(ManifestCodec.decode(v1, Digest.of(v1)), GoldenManifests.manifest());
  }

  @Test
  void readsARealVersion1ManifestAsPutWroteIt() throws Exception {
    byte[] v1 = resource("v1-manifest-s6.msmf");
    Digest name = Digest.of(v1);
    assertThat(name.hex())
        .isEqualTo("ab542286d56627168a4974c55da11b062667baa9ba5f250d77ccb147364149ca");
    Manifest m = ManifestCodec.decode(v1, name);
    assertThat(m.path().toString()).isEqualTo("p/s6");
    assertThat(m.originalFileName()).contains("best.pt");
    assertThat(m.size()).isEqualTo(1_436_617);
    assertThat(m.fileSha256().hex())
        .isEqualTo("6a7ae269bb533c59f329c212348f0d3a9e493382b217cece27607cd8cf2dcc16");
    assertThat(m.tensors()).hasSize(25);
    assertThat(m.tensors().get(0).name()).isEqualTo("model/features.0.weight");
    assertThat(m.tensors().get(0).shape()).containsExactly(32, 3, 3, 3);
    assertThat(m.tensors().get(0).storage().orElseThrow().position()).hasValue(2304);
    assertThat(m.layout().format()).isEqualTo("torch-zip");
  }

  @Test
  void readsVersion2WrittenByThisFormat() throws Exception {
    byte[] v2 = resource("v2-manifest.msmf");
    assertThat(v2[4]).isEqualTo((byte) 2);
    assertSameManifest(ManifestCodec.decode(v2, Digest.of(v2)), GoldenManifests.manifest());
  }

  @Test
  void writesVersion2HoldingTheSameJsonAsVersion1Compressed() throws Exception {
    byte[] v1 = resource("v1-manifest.msmf");
    byte[] encoded = ManifestCodec.encode(GoldenManifests.manifest());

    ByteBuffer b = ByteBuffer.wrap(encoded).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(Arrays.copyOf(encoded, 5)).isEqualTo(new byte[] {'M', 'S', 'M', 'F', 2});
    assertThat(b.getInt(5)).isEqualTo(encoded.length - 13);
    int jsonLength = b.getInt(9);
    byte[] json = Zstd.decompress(Arrays.copyOfRange(encoded, 13, encoded.length - 4), jsonLength);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo(new String(v1Json(v1), StandardCharsets.UTF_8));
    assertThat(encoded.length).isLessThan(v1.length * 2 / 3);
    assertSameManifest(ManifestCodec.decode(encoded, NAME), GoldenManifests.manifest());
  }

  @Test
  void aRealManifestRoundTripsAtAFractionOfItsVersion1Size() throws Exception {
    byte[] v1 = resource("v1-manifest-s6.msmf");
    Manifest m = ManifestCodec.decode(v1, Digest.of(v1));
    byte[] v2 = ManifestCodec.encode(m);
    assertThat(v2.length).isLessThan(v1.length / 3);
    assertSameManifest(ManifestCodec.decode(v2, NAME), m);
  }

  @Test
  void everyFlippedBitIsRefused() throws Exception {
    byte[] good = ManifestCodec.encode(GoldenManifests.manifest());
    for (int i = 0; i < good.length; i++) {
      for (int bit = 0; bit < 8; bit += 3) {
        if (i == 4) {
          continue; // the version byte: covered by the version tests
        }
        byte[] bad = good.clone();
        bad[i] ^= (byte) (1 << bit);
        assertThatThrownBy(() -> ManifestCodec.decode(bad, NAME))
            .as("bit %d of byte %d", bit, i)
            .isInstanceOf(CorruptObjectException.class)
            .hasMessageStartingWith("Manifest " + NAME.hex() + " is corrupt: ");
      }
    }
    byte[] bad = good.clone();
    bad[good.length / 2] ^= 1;
    assertCorrupt(bad, "checksum mismatch");
  }

  @Test
  void aTruncatedManifestIsRefused() throws Exception {
    byte[] good = ManifestCodec.encode(GoldenManifests.manifest());
    assertCorrupt(Arrays.copyOf(good, good.length - 1), "expected " + good.length + " bytes");
    assertCorrupt(Arrays.copyOf(good, 6), "too short");
  }

  @Test
  void aWrongDeclaredJsonLengthIsRefused() throws Exception {
    byte[] json = v1Json(resource("v1-manifest.msmf"));
    byte[] frame = Zstd.compress(json, 9);
    assertCorrupt(v2(json.length + 1, frame), "expected " + (json.length + 1) + " bytes of JSON");
    assertCorrupt(v2(json.length - 1, frame), "longer than the declared " + (json.length - 1));
    assertCorrupt(v2(0, frame), "longer than the declared 0");
    // a frame that expands far beyond what it declares stops at the declared length
    assertCorrupt(v2(1000, Zstd.compress(new byte[16 << 20], 3)), "longer than the declared 1000");
  }

  @Test
  void aDeclaredJsonLengthOverTheLimitIsRefusedBeforeDecompressing() throws Exception {
    byte[] frame = Zstd.compress(v1Json(resource("v1-manifest.msmf")), 9);
    assertCorrupt(v2(ManifestCodec.MAX_JSON + 1L, frame), "over the limit of 268435456");
    assertCorrupt(v2(0xFFFFFFFFL, frame), "declares 4294967295 bytes of JSON");
    // at the limit the declaration is allowed, but only what the frame holds is ever buffered
    assertCorrupt(v2(ManifestCodec.MAX_JSON, frame), "bytes of JSON, actual 1548");
  }

  @Test
  void anInvalidZstdFrameIsACorruptManifestNotAZstdError() throws Exception {
    byte[] json = v1Json(resource("v1-manifest.msmf"));
    byte[] frame = Zstd.compress(json, 9);
    assertCorrupt(v2(json.length, Arrays.copyOf(frame, frame.length - 5)), "invalid zstd frame");
    byte[] garbage = frame.clone();
    Arrays.fill(garbage, 0, 8, (byte) 0x5A);
    assertCorrupt(v2(json.length, garbage), "invalid zstd frame");
    byte[] trailing = Arrays.copyOf(frame, frame.length + 3);
    assertCorrupt(v2(json.length, trailing), "invalid zstd frame");
    assertCorrupt(JsonEnvelope.wrap(ManifestCodec.MAGIC, 2, new byte[] {1, 0}), "at least 4");
  }

  @Test
  void compressedGarbageJsonIsACorruptManifest() {
    byte[] json = "{\"path\": \"p/m\"}".getBytes(StandardCharsets.UTF_8);
    assertCorrupt(v2(json.length, Zstd.compress(json, 9)), "No value for property 'file'");
  }

  @Test
  void aNewerFormatIsRefusedWithAnUpgradeHint() {
    byte[] newer = JsonEnvelope.wrap(ManifestCodec.MAGIC, 3, new byte[] {1, 2, 3, 4});
    assertThatThrownBy(() -> ManifestCodec.decode(newer, NAME))
        .isInstanceOf(CorruptObjectException.class)
        .hasMessage(
            "Manifest "
                + NAME.hex()
                + " was written by a newer modelstash (manifest format 3 > 2); upgrade modelstash");
  }

  @Test
  void formatZeroNeverExistedAndIsRefused() {
    assertCorrupt(
        JsonEnvelope.wrap(ManifestCodec.MAGIC, 0, "{}".getBytes(StandardCharsets.UTF_8)),
        "unknown manifest format 0");
  }
}
