package io.modelstash.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.convert.CannotConvertException;
import io.modelstash.format.convert.Converter;
import io.modelstash.format.pickle.PickleWriter;
import io.modelstash.format.testing.Expected;
import io.modelstash.format.testing.ExpectedTensor;
import io.modelstash.format.testing.Fixtures;
import io.modelstash.format.testing.TorchPython;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Live round trips with real PyTorch at {@code /usr/bin/python3}: torch saves fresh random
 * checkpoints and we read them element for element; we write files and torch loads them with {@code
 * weights_only=True} and compares element for element.
 */
class LiveTorchRoundTripTest {
  @TempDir Path dir;

  @BeforeAll
  static void needsTorch() {
    TorchPython.assumeAvailable();
  }

  private static Expected read(Path file) throws IOException {
    try (ByteSource src = ByteSource.open(file);
        Checkpoint c = Checkpoints.read(src)) {
      return new Expected(c.format(), CheckpointFixturesTest.describe(c));
    }
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @CsvSource({
    "state_dict, 11",
    "checkpoint, 12",
    "views, 13",
    "dtypes, 14",
    "legacy, 15",
    "gzip, 16",
    "state_dict, 17",
    "views, 18"
  })
  void readsWhatTorchSaves(String kind, long seed) throws IOException {
    Path file = dir.resolve(kind + ".pt");
    Expected expected = TorchPython.generate(kind, seed, file);
    Expected actual = read(file);
    assertThat(actual.format()).isEqualTo(expected.format());
    assertThat(actual.tensors()).containsExactlyElementsOf(expected.tensors());
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @CsvSource({"state_dict, 21", "views, 22", "dtypes, 23", "legacy, 24", "gzip, 25"})
  void torchLoadsWhatWeWriteForTorch113(String kind, long seed) throws IOException {
    Path original = dir.resolve(kind + ".pt");
    TorchPython.generate(kind, seed, original);
    Path written = dir.resolve(kind + ".ours.pt");
    convert(original, written, PickleWriter.Compat.TORCH_1_13);
    Expected ours = read(written);
    assertThat(ours.format()).isEqualTo("torch-zip");
    Expected source = read(original);
    assertThat(ours.tensors()).containsExactlyElementsOf(source.tensors());
    Path json = dir.resolve(kind + ".ours.json");
    Fixtures.writeExpected(ours, json);
    TorchPython.loadCheck(written, json);
  }

  @Test
  void checkpointsWithFloatsNeedTheCurrentLayoutAndSayWhy() throws IOException {
    Path original = dir.resolve("ckpt.pt");
    TorchPython.generate("checkpoint", 31, original);
    Path written = dir.resolve("ckpt.ours.pt");
    assertThatThrownBy(() -> convert(original, written, PickleWriter.Compat.TORCH_1_13))
        .isInstanceOf(CannotConvertException.class)
        .hasMessageContaining("float");
    convert(original, written, PickleWriter.Compat.CURRENT);
    Expected ours = read(written);
    assertThat(ours.tensors()).containsExactlyElementsOf(read(original).tensors());
    // torch 1.13's weights_only loader refuses every Python float, so it is checked by describe
    Expected torchSees = TorchPython.describe(written);
    assertThat(torchSees.tensors()).containsExactlyElementsOf(ours.tensors());
  }

  @Test
  void safetensorsRoundTripThroughTorch() throws IOException {
    Path original = dir.resolve("sd.pt");
    Expected saved = TorchPython.generate("state_dict", 41, original);
    Path st = dir.resolve("sd.safetensors");
    try (ByteSource src = ByteSource.open(original);
        Checkpoint c = Checkpoints.read(src);
        OutputStream out = Files.newOutputStream(st)) {
      Converter.toSafetensors(c, out, new Converter.SafetensorsOptions(true, false));
    }
    Expected fromSafetensors = read(st);
    assertThat(fromSafetensors.format()).isEqualTo("safetensors");
    assertThat(sorted(fromSafetensors.tensors())).isEqualTo(sorted(saved.tensors()));
    Path back = dir.resolve("sd.back.pt");
    convert(st, back, PickleWriter.Compat.TORCH_1_13);
    Path json = dir.resolve("sd.back.json");
    Fixtures.writeExpected(read(back), json);
    TorchPython.loadCheck(back, json);
  }

  private static List<ExpectedTensor> sorted(List<ExpectedTensor> tensors) {
    return tensors.stream().sorted(java.util.Comparator.comparing(ExpectedTensor::name)).toList();
  }

  private static void convert(Path in, Path out, PickleWriter.Compat compat) throws IOException {
    try (ByteSource src = ByteSource.open(in);
        Checkpoint c = Checkpoints.read(src);
        OutputStream os = Files.newOutputStream(out)) {
      Converter.toTorch(c, os, compat);
    }
  }
}
