package io.modelstash.store.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Manifests round-trip, earlier formats still read, and damaged manifests are refused. */
class ManifestCodecTest {

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ManifestCodecTest.class.getResourceAsStream(name)) {
      assertThat(in).as("resource %s", name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static void assertSameManifest(Manifest actual, Manifest expected) {
    assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
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
}
