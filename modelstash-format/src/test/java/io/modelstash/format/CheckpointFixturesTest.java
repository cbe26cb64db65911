package io.modelstash.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.testing.Expected;
import io.modelstash.format.testing.ExpectedTensor;
import io.modelstash.format.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every checked-in file made by real {@code torch.save} reads as torch itself saw it: same format,
 * names, dtypes, shapes and element hashes, in the same order; and every hostile file is refused
 * with a one-line error that says what was wrong.
 */
class CheckpointFixturesTest {

  static Stream<Path> torchFixtures() {
    return Fixtures.torch().stream();
  }

  static Stream<Path> hostileFixtures() {
    return Fixtures.hostile().stream();
  }

  static List<ExpectedTensor> describe(Checkpoint c) throws IOException {
    List<ExpectedTensor> out = new ArrayList<>();
    for (Tensor t : c.tensors()) {
      out.add(new ExpectedTensor(t.name(), t.dtype().torchName(), t.shape(), t.sha256()));
    }
    return out;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("torchFixtures")
  void readsWhatTorchSaved(Path file) throws IOException {
    Expected expected = Fixtures.expected(file);
    try (ByteSource src = ByteSource.open(file)) {
      if (expected.mustBeRefused()) {
        String word = Fixtures.expectedError(file).orElse(expected.format());
        assertThatThrownBy(() -> Checkpoints.read(src))
            .isInstanceOf(FormatException.class)
            .satisfies(e -> assertThat(e.getMessage().toLowerCase(Locale.ROOT)).contains(word));
        return;
      }
      try (Checkpoint c = Checkpoints.read(src)) {
        assertThat(c.format()).isEqualTo(expected.format());
        assertThat(describe(c)).containsExactlyElementsOf(expected.tensors());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileFixtures")
  void refusesHostileInputWithOneLine(Path file) throws IOException {
    String word = Fixtures.expectedError(file).orElseThrow();
    try (ByteSource src = ByteSource.open(file)) {
      assertThatThrownBy(
              () -> {
                try (Checkpoint c = Checkpoints.read(src)) {
                  for (Tensor t : c.tensors()) {
                    t.sha256();
                  }
                }
              })
          .isInstanceOf(FormatException.class)
          .satisfies(
              e -> {
                assertThat(e.getMessage()).doesNotContain("\n");
                assertThat(e.getMessage().toLowerCase(Locale.ROOT)).contains(word);
              });
    }
  }
}
