package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every hostile input, run through a real {@code modelstash inspect} process limited to {@code
 * -Xmx256m}: exit code 3, one line on standard error naming the problem, no stack trace.
 */
class BoundedMemoryTest {

  static Stream<Path> hostile() {
    return Fixtures.hostile().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostile")
  void refusedInBoundedMemoryWithOneLine(Path file) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx256m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.add("inspect");
    cmd.add("--json");
    cmd.add(file.toString());
    Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(err).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(err.strip().lines()).as(err).hasSize(1);
    assertThat(err.toLowerCase(Locale.ROOT)).contains(Fixtures.expectedError(file).orElseThrow());
  }
}
