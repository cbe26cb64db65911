package io.modelstash.format.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks the test harness itself: the checked-in fixtures are complete, real PyTorch describes
 * every fixture exactly as its checked-in expected JSON says, and the oracle's load-check and
 * generate commands agree with PyTorch and can fail.
 */
class OracleSelfTest {

  @Test
  void everyTorchFixtureHasAValidExpectation() {
    List<Path> files = Fixtures.torch();
    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .contains("ckpt.pt", "model.v2.pt");
    for (Path f : files) {
      Expected e = Fixtures.expected(f);
      if (e.mustBeRefused()) {
        assertThat(e.tensors()).as(f.toString()).isEmpty();
        assertThat(Fixtures.expectedError(f)).as(f.toString()).isPresent();
      } else {
        assertThat(e.tensors()).as(f.toString()).isNotEmpty();
      }
    }
    // torch 1.13 cannot write safetensors; those files are covered by the safetensors tests
    assertThat(files)
        .extracting(f -> Fixtures.expected(f).format())
        .containsAll(Expected.FORMATS.stream().filter(f -> !f.equals("safetensors")).toList());
  }

  @Test
  void everyHostileFixtureHasOneLowercaseExpectation() {
    List<Path> files = Fixtures.hostile();
    assertThat(files).hasSizeGreaterThan(20);
    for (Path f : files) {
      String expect = Fixtures.expectedError(f).orElseThrow();
      assertThat(expect).as(f.toString()).isEqualTo(expect.toLowerCase(Locale.ROOT));
      assertThat(f.resolveSibling(f.getFileName() + ".expected.json")).doesNotExist();
    }
  }

  @Test
  void expectedJsonRoundTrips(@TempDir Path tmp) throws IOException {
    Expected original = Fixtures.expected(Fixtures.torch("views.pt"));
    Path copy = tmp.resolve("copy.json");
    Fixtures.writeExpected(original, copy);
    assertThat(Fixtures.readExpected(copy)).isEqualTo(original);
  }

  @TestFactory
  Stream<DynamicTest> oracleDescribesEveryFixtureAsCheckedIn() {
    TorchPython.assumeAvailable();
    return Fixtures.torch().stream()
        .map(
            f ->
                DynamicTest.dynamicTest(
                    f.getFileName().toString(),
                    () -> assertThat(TorchPython.describe(f)).isEqualTo(Fixtures.expected(f))));
  }

  @Test
  void loadCheckPassesOnAMatchAndReportsTheFirstDifference(@TempDir Path tmp) throws IOException {
    TorchPython.assumeAvailable();
    Path file = Fixtures.torch("model.v2.pt");
    TorchPython.loadCheck(file, file.resolveSibling("model.v2.pt.expected.json"));

    Expected right = Fixtures.expected(file);
    List<ExpectedTensor> tensors = new ArrayList<>(right.tensors());
    ExpectedTensor third = tensors.get(2);
    String otherHash = (third.sha256().startsWith("0") ? "1" : "0") + third.sha256().substring(1);
    tensors.set(2, new ExpectedTensor(third.name(), third.dtype(), third.shape(), otherHash));
    Path wrong = tmp.resolve("wrong.json");
    Fixtures.writeExpected(new Expected(right.format(), tensors), wrong);

    assertThatThrownBy(() -> TorchPython.loadCheck(file, wrong))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("tensor #2")
        .hasMessageContaining(third.name());
  }

  @Test
  void loadCheckReportsWhenTorchRefusesTheFile() {
    TorchPython.assumeAvailable();
    Path file = Fixtures.hostile("global-os-system.pt");
    assertThatThrownBy(
            () -> TorchPython.loadCheck(file, Fixtures.torch("bytesio.pt.expected.json")))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("os.system");
  }

  @ParameterizedTest
  @ValueSource(strings = {"state_dict", "views", "dtypes", "legacy", "gzip"})
  void generatedFilesLoadWithWeightsOnlyAsDescribed(String kind, @TempDir Path tmp) {
    TorchPython.assumeAvailable();
    Path out = tmp.resolve(kind + ".pt");
    Expected expected = TorchPython.generate(kind, 42, out);
    assertThat(expected.tensors()).isNotEmpty();
    TorchPython.loadCheck(out, tmp.resolve(kind + ".pt.expected.json"));
  }

  @Test
  void generatedCheckpointDescribesAsExpected(@TempDir Path tmp) {
    TorchPython.assumeAvailable();
    Path out = tmp.resolve("checkpoint.pt");
    Expected expected = TorchPython.generate("checkpoint", 7, out);
    assertThat(expected.names())
        .contains("optimizer/state/0/exp_avg", "model/1.num_batches_tracked");
    assertThat(TorchPython.describe(out)).isEqualTo(expected);
  }

  @Test
  void sameSeedGeneratesTheSameTensors(@TempDir Path tmp) {
    TorchPython.assumeAvailable();
    Expected first = TorchPython.generate("views", 3, tmp.resolve("a.pt"));
    Expected second = TorchPython.generate("views", 3, tmp.resolve("b.pt"));
    Expected other = TorchPython.generate("views", 4, tmp.resolve("c.pt"));
    assertThat(second).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }
}
