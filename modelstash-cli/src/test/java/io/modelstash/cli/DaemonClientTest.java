package io.modelstash.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/modelstash-client, the launcher's Python client, against real daemon JVMs it starts itself:
 * what a user sees from a shell. The "jar" is a pathing jar naming this test's classpath.
 */
class DaemonClientTest {
  private static final Path CLIENT = Path.of("..", "bin", "modelstash-client").toAbsolutePath();
  private static final Path CHECKPOINT =
      Path.of("src", "main", "resources", "quickstart", "checkpoint_epoch1.pt").toAbsolutePath();

  @TempDir Path dir;

  private String python;
  private Path jar;
  private Path runtime;
  private Path work;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void setUp() throws IOException {
    python = python();
    jar = pathingJar(dir.resolve("modelstash.jar"));
    runtime = Files.createDirectories(dir.resolve("xdg"));
    work = Files.createDirectories(dir.resolve("work"));
    Files.copy(CHECKPOINT, work.resolve("ckpt.pt"));
  }

  @AfterEach
  void stopDaemons() throws Exception {
    if (python != null) {
      client("daemon", "stop");
    }
  }

  /** A system Python 3 (any version: the client uses the standard library only). */
  private static String python() {
    for (String candidate : List.of("/usr/bin/python3", "python3")) {
      try {
        Process p = new ProcessBuilder(candidate, "-c", "pass").start();
        if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
          return candidate;
        }
      } catch (IOException | InterruptedException e) {
        // try the next
      }
    }
    String reason = "no python3 to run bin/modelstash-client";
    if ("true".equals(System.getenv("CI"))) {
      fail(reason + " and CI=true");
    }
    Assumptions.abort(reason);
    return null;
  }

  /** A jar holding only a manifest whose Class-Path is this test's classpath. */
  private static Path pathingJar(Path file) throws IOException {
    List<String> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(Path.of(entry).toAbsolutePath().toUri().toString());
    }
    Manifest m = new Manifest();
    m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    m.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
    m.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", urls));
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(file), m)) {
      out.flush();
    }
    return file;
  }

  private ProcessBuilder command(String... args) {
    List<String> cmd = new ArrayList<>(List.of(python, "-I", "-S", CLIENT.toString()));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    cmd.addAll(List.of(jar.toString(), "1", java));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
    pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
    pb.environment().put("MODELSTASH_STORE", "store"); // relative: the client's directory counts
    pb.environment().put("MODELSTASH_DAEMON_IDLE", "120"); // none outlives a failed test long
    return pb;
  }

  private Result client(String... args) throws Exception {
    return finish(
        command(args).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start());
  }

  private static Result finish(Process p) throws Exception {
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(out, UTF_8), new String(err, UTF_8));
  }

  private String status() throws Exception {
    Result r = client("daemon", "status");
    assertThat(r.code()).as(r.err()).isZero();
    return r.out();
  }

  @Test
  void commandsRunInOneWarmDaemonAsTheyWouldInTheirOwnJvm() throws Exception {
    assertThat(status()).isEqualTo("no modelstash daemon is running\n");

    Result put = client("put", "proj/model", "ckpt.pt");
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(put.out()).isEqualTo("proj/model@1\n");
    assertThat(work.resolve("store")).as("relative to the client's directory").isDirectory();
    String first = status();
    assertThat(first).startsWith("pid ").contains("MiB resident");
    String pid = first.split(" ")[1];

    Result get = client("get", "proj/model@1", "-o", "back.pt");
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(work.resolve("back.pt")).hasSameBinaryContentAs(CHECKPOINT);

    Result missing = client("get", "proj/model@7", "-o", "x.pt");
    assertThat(missing.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing.err()).startsWith("modelstash: No version proj/model@7");
    assertThat(client("nonsense").code()).isEqualTo(ExitCode.USAGE);

    assertThat(status()).as("the same daemon served every command").startsWith("pid " + pid + " ");
    Result stop = client("daemon", "stop");
    assertThat(stop.out()).isEqualTo("stopped 1 modelstash daemon(s)\n");
    assertThat(status()).isEqualTo("no modelstash daemon is running\n");
  }

  @Test
  void standardInputIsForwardedOnlyToCommandsThatReadIt() throws Exception {
    Process put =
        command("put", "proj/model", "-")
            .redirectInput(ProcessBuilder.Redirect.from(CHECKPOINT.toFile()))
            .start();
    Result r = finish(put);
    assertThat(r.code()).as(r.err()).isZero();

    // a script reading a list on stdin must keep the rest of it after a command that does not
    Path shell = Path.of("/bin/sh");
    Assumptions.assumeTrue(Files.isExecutable(shell), "needs /bin/sh");
    List<String> ls = new ArrayList<>(command("ls").command());
    String line = String.join(" ", ls.stream().map(a -> "'" + a + "'").toList());
    ProcessBuilder sh =
        new ProcessBuilder(
                shell.toString(), "-c", "printf 'rest of input' | { " + line + "; cat; }")
            .directory(work.toFile());
    sh.environment().putAll(command().environment());
    Result both = finish(sh.start());
    assertThat(both.code()).as(both.err()).isZero();
    assertThat(both.out()).contains("proj/model").endsWith("rest of input");

    Process get =
        command("get", "proj/model", "-o", "-")
            .redirectOutput(work.resolve("piped.pt").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    assertThat(finish(get).code()).isZero();
    assertThat(work.resolve("piped.pt")).hasSameBinaryContentAs(CHECKPOINT);
  }

  @Test
  void aCommandThatFindsTheDaemonBusyGoesToASecondOne() throws Exception {
    Process first = busyPut(command("put", "proj/slow", "-"));
    assertPutsFast();
    assertThat(status().lines()).as("a second daemon took it").hasSize(2);
    finishBusyPut(first);
  }

  @Test
  void withEveryDaemonBusyACommandRunsInAJvmOfItsOwn() throws Exception {
    Process first = busyPut(command("put", "proj/slow", "-"), "MODELSTASH_DAEMONS", "1");
    assertPutsFast("MODELSTASH_DAEMONS", "1");
    assertThat(status().lines()).as("no daemon beyond the limit").hasSize(1);
    finishBusyPut(first);
  }

  @Test
  void aRelativePathInTheEnvironmentBindsTheDaemonToItsDirectory() throws Exception {
    Path other = Files.createDirectories(dir.resolve("other"));
    for (Path cwd : List.of(work, other, work)) {
      ProcessBuilder pb = command("--store", work.resolve("store").toString(), "ls");
      pb.directory(cwd.toFile()).environment().put("PGPASSFILE", "pgpass"); // relative
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      assertThat(finish(pb.start()).code()).isZero();
    }
    assertThat(status().lines()).as("one daemon per directory").hasSize(2);

    ProcessBuilder absolute = command("--store", work.resolve("store").toString(), "ls");
    absolute.directory(other.toFile()).environment().put("PGPASSFILE", "/etc/pgpass");
    absolute.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    assertThat(finish(absolute.start()).code()).isZero();
    assertThat(status().lines()).as("an absolute path binds to no directory").hasSize(3);
  }

  @Test
  void outputIntoAClosedPipeLetsTheCommandFinishAsInAJvmOfItsOwn() throws Exception {
    assertThat(client("put", "proj/model", "ckpt.pt").code()).isZero();
    List<String> get = new ArrayList<>(command("get", "proj/model", "-o", "-").command());
    String line = String.join(" ", get.stream().map(a -> "'" + a + "'").toList());
    ProcessBuilder sh =
        new ProcessBuilder("/bin/sh", "-c", line + " | head -c 10 >/dev/null; echo $?")
            .directory(work.toFile());
    sh.environment().putAll(command().environment());
    Result r = finish(sh.start());
    assertThat(r.out()).isEqualTo("0\n");
    assertThat(status()).as("the daemon carried on").startsWith("pid ");
  }

  /** Puts proj/fast while another command keeps a daemon busy: it must still succeed. */
  private void assertPutsFast(String... env) throws Exception {
    ProcessBuilder pb = withEnv(command("put", "proj/fast", "ckpt.pt"), env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Result r = finish(pb.start());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("proj/fast@1\n");
  }

  private static ProcessBuilder withEnv(ProcessBuilder pb, String... env) {
    for (int i = 0; i < env.length; i += 2) {
      pb.environment().put(env[i], env[i + 1]);
    }
    return pb;
  }

  /** Starts a put from standard input and leaves it waiting for the end of its input. */
  private Process busyPut(ProcessBuilder pb, String... env) throws Exception {
    withEnv(pb, env);
    long before = spools();
    Process p = pb.start();
    p.getOutputStream().write(Files.readAllBytes(CHECKPOINT));
    p.getOutputStream().flush();
    waitFor(() -> spools() > before); // running in its daemon, which is now busy
    return p;
  }

  private void finishBusyPut(Process p) throws Exception {
    p.getOutputStream().close();
    Result r = finish(p);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(client("verify").code()).isZero();
  }

  @Test
  void interruptingTheClientEndsTheCommandAndTheStoreStaysSound() throws Exception {
    assertThat(client("put", "proj/model", "ckpt.pt").code()).isZero();
    Process put = command("put", "proj/model", "-").start();
    put.getOutputStream().write(new byte[1 << 20]);
    put.getOutputStream().flush();
    waitFor(() -> spools() > 0);
    new ProcessBuilder("kill", "-INT", Long.toString(put.pid())).start().waitFor();
    assertThat(put.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(put.exitValue()).isEqualTo(130);
    waitFor(() -> status().equals("no modelstash daemon is running\n"));

    Result verify = client("verify");
    assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
    Result log = client("log", "proj/model");
    assertThat(log.out()).contains("@1").doesNotContain("@2");
  }

  /** How many puts from standard input are under way. */
  private long spools() throws IOException {
    Path tmp = work.resolve("store").resolve("tmp");
    if (!Files.isDirectory(tmp)) {
      return 0;
    }
    try (var files = Files.list(tmp)) {
      return files.filter(f -> f.getFileName().toString().startsWith("put-")).count();
    }
  }

  interface Check {
    boolean holds() throws Exception;
  }

  private static void waitFor(Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting");
      }
      Thread.sleep(50);
    }
  }
}
