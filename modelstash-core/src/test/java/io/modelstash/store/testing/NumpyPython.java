package io.modelstash.store.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.modelstash.format.testing.TorchPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * NumPy as a test oracle, in the interpreter {@link TorchPython#interpreter()} names (Debian's
 * {@code python3-numpy} at {@code /usr/bin/python3}). Without numpy, tests are skipped with a
 * visible reason, except under {@code CI=true}, where they fail.
 */
public final class NumpyPython {
  private static final String PROBE = "import numpy; print(numpy.__version__)";
  private static volatile String version;
  private static volatile String problem;

  private NumpyPython() {}

  /** Skips the calling test without numpy, or fails it when {@code CI=true}. */
  public static synchronized void assumeAvailable() {
    if (version == null && problem == null) {
      try {
        Result r = run(List.of("-c", PROBE));
        if (r.code == 0) {
          version = r.out.strip();
        } else {
          String[] lines = r.err.strip().split("\n");
          problem = lines[lines.length - 1];
        }
      } catch (IOException e) {
        problem = e.getMessage();
      }
    }
    if (version != null) {
      return;
    }
    String reason =
        "NumPy not found at "
            + TorchPython.interpreter()
            + " (install python3-numpy) ["
            + problem
            + "]";
    if ("true".equals(System.getenv("CI"))) {
      fail(reason + "; NumPy tests must run when CI=true");
    }
    Assumptions.abort(reason + "; skipping NumPy test");
  }

  /** Runs {@code python -c script args…} and returns its standard output; fails on error. */
  public static String exec(String script, List<String> args) throws IOException {
    assumeAvailable();
    List<String> a = new ArrayList<>();
    a.add("-c");
    a.add(script);
    a.addAll(args);
    Result r = run(a);
    if (r.code != 0) {
      fail("python exited with " + r.code + ": " + r.err.strip());
    }
    return r.out;
  }

  private record Result(int code, String out, String err) {}

  private static Result run(List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(TorchPython.interpreter().toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        fail("python did not finish: " + cmd);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Result(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }
}
