package io.modelstash.format.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Real PyTorch as a test oracle: runs {@code src/test/python/torch_oracle.py} with a Python that
 * has torch.
 *
 * <p>The interpreter is the system property {@code modelstash.python}, else the environment
 * variable {@code MODELSTASH_PYTHON}, else {@code /usr/bin/python3}. Whether {@code import torch}
 * works there is checked once per JVM. Live tests start with {@link #assumeAvailable()}: without
 * torch they are skipped with a visible reason, except when the environment variable {@code CI} is
 * {@code true}, where a missing torch fails the test so that CI never passes by skipping.
 *
 * <p>Every oracle run has a timeout of {@link #TIMEOUT}; a failed run fails the calling test with
 * the command, exit code and the tail of stderr. The oracle's own problems (script missing) always
 * fail, never skip.
 */
public final class TorchPython {
  public static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final int STDERR_TAIL = 2000;

  private TorchPython() {}

  /** The interpreter the oracle runs with. */
  public static Path interpreter() {
    String configured = System.getProperty("modelstash.python");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("MODELSTASH_PYTHON");
    }
    if (configured == null || configured.isBlank()) {
      configured = "/usr/bin/python3";
    }
    return Path.of(configured);
  }

  /** True when {@code import torch} works in {@link #interpreter()}. */
  public static boolean isAvailable() {
    return Availability.PROBE.torchVersion != null;
  }

  /** The torch version of the interpreter, as {@code torch.__version__} prints it. */
  public static String torchVersion() {
    assumeAvailable();
    return Availability.PROBE.torchVersion;
  }

  /**
   * Skips the calling test when torch is missing, or fails it when the environment variable {@code
   * CI} is {@code true}.
   */
  public static void assumeAvailable() {
    Availability probe = Availability.PROBE;
    if (probe.torchVersion != null) {
      return;
    }
    String reason =
        "PyTorch not found at " + interpreter() + " (install python3-torch); skipping live test";
    String detail = probe.problem.isBlank() ? "" : " [" + probe.problem + "]";
    if ("true".equals(System.getenv("CI"))) {
      fail(reason.replace("skipping live test", "live tests must run when CI=true") + detail);
    }
    Assumptions.abort(reason + detail);
  }

  /** {@code torch_oracle.py describe FILE}: what torch.load sees in the file. */
  public static Expected describe(Path file) {
    Result r = runChecked("describe", file.toAbsolutePath().toString());
    try {
      return Fixtures.parseExpected(r.stdout());
    } catch (IOException e) {
      return fail("Cannot parse the oracle's description of " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code torch_oracle.py load-check FILE EXPECTED_JSON}: fails the test unless {@code
   * torch.load(file, weights_only=True)} yields exactly the expected tensors. The failure message
   * is the oracle's one-line difference (including torch's refusal, if it refused).
   */
  public static void loadCheck(Path file, Path expectedJson) {
    Result r =
        run(
            "load-check",
            file.toAbsolutePath().toString(),
            expectedJson.toAbsolutePath().toString());
    if (r.exitCode() == 0 && r.stdout().strip().equals("ok")) {
      return;
    }
    fail(
        "torch.load(weights_only=True) of "
            + file
            + " does not match "
            + expectedJson.getFileName()
            + ": "
            + r.stdout().strip()
            + r.stderrTail());
  }

  /**
   * {@code torch_oracle.py generate KIND SEED OUT}: saves a fresh random checkpoint of the kind
   * ({@code state_dict}, {@code checkpoint}, {@code views}, {@code dtypes}, {@code legacy}, {@code
   * gzip}) at {@code out} and returns what it holds (also written to {@code out.expected.json}).
   */
  public static Expected generate(String kind, long seed, Path out) {
    runChecked("generate", kind, Long.toString(seed), out.toAbsolutePath().toString());
    return Fixtures.readExpected(out.resolveSibling(out.getFileName() + ".expected.json"));
  }

  /** Runs the oracle with any arguments; does not check the exit code. */
  public static Result run(String... args) {
    assumeAvailable();
    List<String> command = new ArrayList<>();
    command.add(interpreter().toString());
    command.add(oracleScript().toString());
    command.addAll(List.of(args));
    return exec(command);
  }

  /** The outcome of one oracle run. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public Result {
      command = List.copyOf(command);
    }

    String stderrTail() {
      String s = stderr.strip();
      if (s.isEmpty()) {
        return "";
      }
      return " | stderr: "
          + (s.length() > STDERR_TAIL ? "…" + s.substring(s.length() - STDERR_TAIL) : s);
    }
  }

  private static Result runChecked(String... args) {
    Result r = run(args);
    if (r.exitCode() != 0) {
      fail(
          "torch_oracle.py "
              + String.join(" ", args)
              + " exited with "
              + r.exitCode()
              + r.stderrTail());
    }
    return r;
  }

  private static Result exec(List<String> command) {
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("torch-oracle", ".out");
      err = Files.createTempFile("torch-oracle", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
      // The oracle runs in the checkout; keep it free of __pycache__ directories.
      pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      Process p = pb.start();
      p.getOutputStream().close();
      if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        return fail(
            String.join(" ", command)
                + " did not finish within "
                + TIMEOUT
                + stderrTail(Files.readString(err, StandardCharsets.UTF_8)));
      }
      return new Result(
          command,
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while running " + command, e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static String stderrTail(String stderr) {
    return new Result(List.of(), 0, "", stderr).stderrTail();
  }

  private static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // A leftover temp file is harmless; the test outcome matters more than the cleanup.
    }
  }

  /** The one-time {@code import torch} probe. */
  private static final class Availability {
    static final Availability PROBE = probe();

    final String torchVersion;
    final String problem;

    private Availability(String torchVersion, String problem) {
      this.torchVersion = torchVersion;
      this.problem = problem;
    }

    private static Availability probe() {
      Path python = interpreter();
      if (!Files.isExecutable(python)) {
        return new Availability(null, "no executable at " + python);
      }
      Result r;
      try {
        r = exec(List.of(python.toString(), "-c", "import torch; print(torch.__version__)"));
      } catch (AssertionError | RuntimeException e) {
        // Reported as the reason for skipping (or failing under CI) by assumeAvailable().
        return new Availability(null, e.getMessage());
      }
      if (r.exitCode() != 0) {
        String[] lines = r.stderr().strip().split("\n");
        return new Availability(null, lines[lines.length - 1]);
      }
      return new Availability(r.stdout().strip(), "");
    }
  }

  /** {@code torch_oracle.py}, found from the test classes directory or the module directory. */
  static Path oracleScript() {
    Path relative = Path.of("src", "test", "python", "torch_oracle.py");
    List<Path> candidates = new ArrayList<>();
    try {
      // target/test-classes -> module directory
      Path classes =
          Path.of(TorchPython.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (classes.getParent() != null && classes.getParent().getParent() != null) {
        candidates.add(classes.getParent().getParent().resolve(relative));
      }
    } catch (URISyntaxException | RuntimeException e) {
      // Not a plain file location (a jar used by another module): the working directory decides.
    }
    candidates.add(relative.toAbsolutePath());
    // tests of sibling modules run with their own module as the working directory
    candidates.add(
        Path.of("..", "modelstash-format").resolve(relative).toAbsolutePath().normalize());
    for (Path c : candidates) {
      if (Files.isRegularFile(c)) {
        return c;
      }
    }
    throw new IllegalStateException("Cannot find torch_oracle.py; looked at " + candidates);
  }
}
