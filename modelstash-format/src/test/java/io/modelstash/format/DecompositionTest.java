package io.modelstash.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Decomposition of real files: the segments rebuild the file byte for byte, and every storage the
 * reader sees is a payload segment, so the store can treat tensor bytes apart from the rest.
 */
class DecompositionTest {

  static Stream<Path> readableFixtures() {
    return Fixtures.torch().stream().filter(p -> !Fixtures.expected(p).mustBeRefused());
  }

  static byte[] rebuild(Decomposition d) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    d.writeTo(out);
    return out.toByteArray();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("readableFixtures")
  void segmentsRebuildTheFileAndCoverEveryStorage(Path file) throws IOException {
    byte[] original = Files.readAllBytes(file);
    try (ByteSource src = ByteSource.wrap(original);
        Decomposition d = Checkpoints.decompose(src);
        Checkpoint c = Checkpoints.read(src)) {
      assertThat(rebuild(d)).isEqualTo(original);
      assertThat(d.format()).isEqualTo(c.format());
      Set<Storage> storages = Collections.newSetFromMap(new IdentityHashMap<>());
      long storageBytes = 0;
      for (Tensor t : c.tensors()) {
        if (storages.add(t.storage())) {
          storageBytes += t.storage().nbytes();
        }
      }
      assertThat(d.payloadBytes()).isEqualTo(storageBytes);
    }
  }

  @Test
  void gzipFromPythonIsReproducedByDeflateAndDecomposedInside() throws IOException {
    byte[] original = Files.readAllBytes(Fixtures.torch("gzip_state_dict.pt.gz"));
    try (ByteSource src = ByteSource.wrap(original);
        Decomposition d = Checkpoints.decompose(src)) {
      assertThat(d.format()).isEqualTo("gzip+torch-zip");
      assertThat(d.segments()).hasSize(3);
      Segment.Deflated deflated = (Segment.Deflated) d.segments().get(1);
      assertThat(deflated.level()).isEqualTo(9);
      assertThat(deflated.inner().segments()).anyMatch(s -> s instanceof Segment.Payload);
      assertThat(rebuild(d)).isEqualTo(original);
    }
  }

  @Test
  void unknownBytesAreOneOpaqueSegment() throws IOException {
    byte[] data = "just some text, not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (Decomposition d = Checkpoints.decompose(ByteSource.wrap(data))) {
      assertThat(d.format()).isEqualTo(Checkpoints.RAW);
      assertThat(d.segments()).containsExactly(new Segment.Opaque(0, data.length));
      assertThat(rebuild(d)).isEqualTo(data);
    }
  }

  @Test
  void emptyFileHasNoSegments() throws IOException {
    try (Decomposition d = Checkpoints.decompose(ByteSource.wrap(new byte[0]))) {
      assertThat(d.segments()).isEmpty();
      assertThat(rebuild(d)).isEmpty();
    }
  }
}
