package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.DType;
import io.modelstash.format.safetensors.SafetensorsWriter;
import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store under real processes: {@code put}s killed with SIGKILL at random moments, eight
 * processes putting to one path at once, and puts in other processes while gc runs in a loop.
 */
class StoreProcessTest {
  private static final ModelPath PATH = ModelPath.parse("team/run/model");

  @TempDir Path dir;

  static Process start(Path store, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("--store", store.toString()));
    all.addAll(List.of(args));
    return command(all).start();
  }

  /** A {@code modelstash} process with these arguments, on this JVM and class path. */
  static ProcessBuilder command(List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }

  /** A safetensors file of random float32 weights, different for every seed. */
  static Path weights(Path dir, long seed, int megabytes) throws IOException {
    Random random = new Random(seed);
    Path f = dir.resolve("weights-" + seed + ".safetensors");
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (int t = 0; t < megabytes; t++) {
      float[] v = new float[1 << 18];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextGaussian() * 0.02f;
      }
      entries.add(
          new SafetensorsWriter.Entry(
              "layer" + t + ".weight",
              DType.FLOAT32,
              new long[] {512, 512},
              out -> {
                java.nio.ByteBuffer b =
                    java.nio.ByteBuffer.allocate(v.length * 4)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float x : v) {
                  b.putFloat(x);
                }
                out.write(b.array());
              }));
    }
    try (OutputStream out = Files.newOutputStream(f)) {
      SafetensorsWriter.write(out, Map.of(), entries);
    }
    return f;
  }

  static Digest sha(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return Digest.of(in);
    }
  }

  @Test
  void killedPutsNeverLeaveAPartialVersion() throws Exception {
    Path store = dir.resolve("store");
    List<Path> files = new ArrayList<>();
    Set<Digest> shas = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      Path f = weights(dir, i, 24);
      files.add(f);
      shas.add(sha(f));
    }
    Random random = new Random(42);
    int killed = 0;
    for (int round = 0; round < 20; round++) {
      Path f = files.get(round % files.size());
      Process p = start(store, "put", PATH.toString(), f.toString());
      Thread.sleep(100 + random.nextInt(1400));
      if (p.isAlive()) {
        killed++;
      }
      p.destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(killed).as("puts interrupted by SIGKILL").isGreaterThan(5);
    try (ModelStash stash = ModelStash.open(store)) {
      List<VersionInfo> log =
          stash.list(java.util.Optional.of(PATH)).isEmpty() ? List.of() : stash.log(PATH);
      for (int i = 0; i < log.size(); i++) {
        // numbers are allocated by the commit itself, so killed puts leave no gaps
        assertThat(log.get(i).id().number()).isEqualTo(log.size() - i);
      }
      for (VersionInfo v : log) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stash.get(Ref.version(PATH, v.id().number()), out);
        assertThat(Digest.of(out.toByteArray())).isEqualTo(v.fileSha256());
        assertThat(shas).contains(v.fileSha256());
      }
    }
    Process last = start(store, "put", PATH.toString(), files.get(0).toString());
    String output = new String(last.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(last.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(last.exitValue()).as(output).isZero();
  }

  @Test
  void eightProcessesPuttingToOnePathGetVersionsOneToEight() throws Exception {
    Path store = dir.resolve("store");
    ModelStash.open(store).close();
    List<Path> files = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      files.add(weights(dir, 100 + i, 2));
    }
    List<Process> procs = new ArrayList<>();
    for (Path f : files) {
      procs.add(start(store, "put", PATH.toString(), f.toString()));
    }
    for (Process p : procs) {
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).as(output).isZero();
    }
    try (ModelStash stash = ModelStash.open(store)) {
      List<VersionInfo> log = stash.log(PATH);
      assertThat(log)
          .extracting(v -> v.id().number())
          .containsExactly(8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L);
      Set<Digest> expected = new HashSet<>();
      for (Path f : files) {
        expected.add(sha(f));
      }
      Set<Digest> seen = new HashSet<>();
      for (VersionInfo v : log) {
        Path out = dir.resolve("v" + v.id().number());
        stash.get(Ref.version(PATH, v.id().number()), out);
        assertThat(sha(out)).isEqualTo(v.fileSha256());
        seen.add(v.fileSha256());
      }
      assertThat(seen).isEqualTo(expected);
    }
  }

  @Test
  void putsInOtherProcessesSurviveGcRunningInALoop() throws Exception {
    Path store = dir.resolve("store");
    ModelStash.open(store).close();
    List<Path> files = new ArrayList<>();
    Map<Path, Digest> shaOf = new java.util.HashMap<>();
    for (int i = 0; i < 4; i++) {
      Path f = weights(dir, 300 + i, 2);
      files.add(f);
      shaOf.put(f, sha(f));
    }
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong freed = new java.util.concurrent.atomic.AtomicLong();
    // retention keeps only the newest churn version, so each put releases the chunks of the
    // previous one, which the put after it reuses again (A, B, A, B, …)
    io.modelstash.store.lifecycle.GcOptions options =
        new io.modelstash.store.lifecycle.GcOptions(
            java.util.Optional.of(ModelPath.parse("churn")),
            new io.modelstash.store.lifecycle.RetentionPolicy(
                java.util.OptionalInt.of(1),
                List.of(),
                java.util.OptionalInt.empty(),
                java.util.Optional.empty()),
            java.time.Duration.ofSeconds(3),
            false);
    Thread collector =
        new Thread(
            () -> {
              try (ModelStash stash = ModelStash.open(store)) {
                while (!done.get()) {
                  freed.addAndGet(stash.gc(options).bytesFreed());
                  Thread.sleep(20);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    collector.start();
    Map<String, Digest> committed = new java.util.concurrent.ConcurrentHashMap<>();
    List<Thread> slots = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int slot = 0; slot < 2; slot++) {
      int me = slot;
      Thread t =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 6; i++) {
                    Path f = files.get(2 * me + i % 2);
                    String path = (i % 3 == 2 ? "keep/" : "churn/") + me;
                    Process p = start(store, "put", path, f.toString());
                    String out =
                        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
                    assertThat(p.exitValue()).as(out).isZero();
                    committed.put(out.strip(), shaOf.get(f));
                  }
                } catch (Throwable e) {
                  failures.add(e);
                }
              });
      t.start();
      slots.add(t);
    }
    for (Thread t : slots) {
      t.join();
    }
    Thread.sleep(200);
    done.set(true);
    collector.join();
    assertThat(failures).isEmpty();
    assertThat(committed).hasSize(12);
    assertThat(freed.get()).isPositive();
    try (ModelStash stash = ModelStash.open(store)) {
      int restored = 0;
      for (io.modelstash.store.catalog.PathSummary p : stash.list(java.util.Optional.empty())) {
        for (VersionInfo v : stash.log(p.path())) {
          Path out = dir.resolve("restored-" + restored);
          stash.get(v.id().toRef(), out);
          assertThat(sha(out)).as(v.id().toString()).isEqualTo(committed.get(v.id().toString()));
          restored++;
        }
      }
      assertThat(restored).isEqualTo(2 * 2 + 2);
      assertThat(stash.verify(java.util.Optional.empty(), true).ok()).isTrue();
    }
  }
}
