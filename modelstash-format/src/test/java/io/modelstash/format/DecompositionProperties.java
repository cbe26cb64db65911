package io.modelstash.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever the input, decomposition either refuses it with a {@link FormatException} or gives
 * segments that rebuild it exactly; reading either refuses with a {@link FormatException} or
 * succeeds. Inputs are real fixtures with random byte flips, truncations and random bytes.
 */
class DecompositionProperties {
  private static final List<byte[]> FIXTURES = load();

  private static List<byte[]> load() {
    return Fixtures.torch().stream()
        .filter(p -> !p.getFileName().toString().startsWith("torchscript"))
        .map(DecompositionProperties::bytes)
        .toList();
  }

  private static byte[] bytes(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Provide
  Arbitrary<byte[]> mutated() {
    Arbitrary<byte[]> base = Arbitraries.of(FIXTURES);
    return base.flatMap(
        b ->
            Arbitraries.integers()
                .between(0, 3)
                .flatMap(
                    kind ->
                        Arbitraries.integers()
                            .between(0, b.length - 1)
                            .flatMap(
                                pos ->
                                    Arbitraries.integers()
                                        .between(1, 255)
                                        .map(x -> mutate(b, kind, pos, x)))));
  }

  private static byte[] mutate(byte[] b, int kind, int pos, int x) {
    byte[] c = b.clone();
    switch (kind) {
      case 0:
        c[pos] ^= (byte) x;
        return c;
      case 1:
        return java.util.Arrays.copyOf(b, pos);
      case 2:
        for (int i = pos; i < Math.min(c.length, pos + 8); i++) {
          c[i] = (byte) 0xFF;
        }
        return c;
      default:
        c[pos] = (byte) x;
        c[(pos * 31 + x) % c.length] ^= 0x40;
        return c;
    }
  }

  @Property(tries = 300)
  void mutatedFilesDecomposeExactlyOrAreRefused(@ForAll("mutated") byte[] data) throws IOException {
    check(data);
  }

  @Property(tries = 200)
  void randomBytesDecomposeExactlyOrAreRefused(@ForAll byte[] data) throws IOException {
    check(data);
  }

  private static void check(byte[] data) throws IOException {
    try (ByteSource src = ByteSource.wrap(data)) {
      try (Decomposition d = Checkpoints.decompose(src)) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        d.writeTo(out);
        assertThat(out.toByteArray()).isEqualTo(data);
      } catch (FormatException refused) {
        assertThat(refused.getMessage()).isNotBlank();
      }
      try (Checkpoint c = Checkpoints.read(src)) {
        for (Tensor t : c.tensors()) {
          t.sha256();
        }
      } catch (FormatException refused) {
        assertThat(refused.getMessage()).isNotBlank();
      }
    }
  }
}
