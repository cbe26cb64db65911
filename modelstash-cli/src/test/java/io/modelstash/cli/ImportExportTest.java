package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.testing.Fixtures;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tree made by the classic save-into-timestamped-folders recipe goes in and comes back out. */
class ImportExportTest {
  @TempDir Path dir;

  private static CliTest.Run run(Path store, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--store";
    all[1] = store.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliTest.run(all);
  }

  private static void gzipWithJava(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
      Files.copy(from, out);
    }
  }

  private static Map<String, byte[]> tree(Path root) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        out.put(root.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    return out;
  }

  @Test
  void classicTreeImportsAsVersionsAndExportsByteIdentical() throws IOException {
    Path src = dir.resolve("runs");
    // gzip files as Python's gzip.open around torch.save writes them, and as Java's GZIP writes
    Path a1 = src.resolve("projA/exp1/20250130120000/model.pt.gz");
    Path a2 = src.resolve("projA/exp1/20250131090000/model.pt.gz");
    Path a3 = src.resolve("projA/exp1/20250129080000/model.pt.gz");
    Files.createDirectories(a1.getParent());
    Files.createDirectories(a2.getParent());
    Files.copy(Fixtures.torch("gzip_state_dict.pt.gz"), a1);
    Files.copy(Fixtures.torch("gzip_legacy_ckpt.pt.gz"), a2);
    gzipWithJava(Fixtures.torch("ckpt.pt"), a3);
    Path b1 = src.resolve("projA/exp2/2025-02-01T10-00-00/optimizer.pt");
    Files.createDirectories(b1.getParent());
    Files.copy(Fixtures.torch("bytesio.pt"), b1);
    Path notes = src.resolve("projA/exp2/2025-02-01T10-00-00/notes.txt");
    Files.writeString(notes, "lr sweep, run 2\n");

    Path store = dir.resolve("store");
    CliTest.Run imported = run(store, "import", src.toString());
    assertThat(imported.code()).as(imported.err()).isZero();

    CliTest.Run log = run(store, "log", "projA/exp1/model", "--json");
    assertThat(log.code()).isZero();
    // newest first: the versions follow the timestamps, not the walk order
    assertThat(log.out().indexOf("20250131090000")).isLessThan(log.out().indexOf("20250130120000"));
    assertThat(log.out().indexOf("20250130120000")).isLessThan(log.out().indexOf("20250129080000"));
    assertThat(log.out()).contains("\"file_name\" : \"model.pt.gz\"");

    CliTest.Run again = run(store, "import", src.toString());
    assertThat(again.code()).isZero();
    assertThat(again.err()).contains("imported 0 files, skipped 5 already imported");

    assertExportsTheSameTree(store, src, "projA");

    CliTest.Run stats = run(store, "stats", "projA", "--json");
    assertThat(stats.code()).isZero();
    List<String> paths =
        List.of("projA/exp1/model", "projA/exp2/optimizer", "projA/exp2/notes.txt");
    for (String p : paths) {
      assertThat(stats.out()).contains("\"path\" : \"" + p + "\"");
    }
  }

  /**
   * {@code export} of the store, or of the paths under {@code prefix}, writes back exactly the
   * files of {@code src}.
   */
  private void assertExportsTheSameTree(Path store, Path src, String... prefix) throws IOException {
    Path out = dir.resolve("exported");
    List<String> args = new java.util.ArrayList<>(List.of("export"));
    args.addAll(List.of(prefix));
    args.addAll(List.of("-o", out.toString()));
    CliTest.Run exported = run(store, args.toArray(String[]::new));
    assertThat(exported.code()).as(exported.err()).isZero();
    Map<String, byte[]> before = tree(src);
    Map<String, byte[]> after = tree(out);
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (String k : before.keySet()) {
      assertThat(after.get(k)).as(k).isEqualTo(before.get(k));
    }
  }

  private static void save(Path src, String relative, String fixture, long mtimeMillis)
      throws IOException {
    Path f = src.resolve(relative);
    Files.createDirectories(f.getParent());
    Files.copy(Fixtures.torch(fixture), f);
    Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(mtimeMillis));
  }

  /** The sources of a path's versions, oldest first. */
  private static List<String> history(Path store, String path) {
    CliTest.Run log = run(store, "log", path, "--json");
    assertThat(log.code()).as(log.err()).isZero();
    List<String> sources = new java.util.ArrayList<>();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"import.source\" : \"([^\"]+)\"").matcher(log.out());
    while (m.find()) {
      sources.add(0, m.group(1));
    }
    return sources;
  }

  @Test
  void numberedSavesImportAsOneHistoryInCounterOrder() throws IOException {
    Path src = dir.resolve("runs");
    // mtimes run against the counters, so only the counters can give the order asserted below
    save(src, "run1/ckpt_step100.pt", "ckpt.pt", 1_000);
    save(src, "run1/ckpt_step50.pt", "ckpt.pt", 2_000);
    save(src, "run1/ckpt_step25.pt", "parameters.pt", 3_000);
    save(src, "hf/checkpoint-1000/pytorch_model.bin", "ckpt.pt", 1_000);
    save(src, "hf/checkpoint-500/pytorch_model.bin", "parameters.pt", 2_000);
    save(src, "sweep/lr0.01/epoch10.pt", "ckpt.pt", 1_000);
    save(src, "sweep/lr0.01/epoch2.pt", "parameters.pt", 2_000);
    save(src, "sweep/lr0.003/epoch1.pt", "ckpt.pt", 1_000);
    save(src, "zoo/resnet18.pt", "ckpt.pt", 1_000);
    save(src, "zoo/resnet50.pt", "parameters.pt", 1_000);
    save(src, "final/model.pt", "ckpt.pt", 1_000);
    save(src, "final/model_epoch3.pt", "parameters.pt", 2_000);
    save(src, "epoch7.pt", "parameters.pt", 1_000);

    Path store = dir.resolve("store");
    CliTest.Run imported = run(store, "import", src.toString());
    assertThat(imported.code()).as(imported.err()).isZero();
    assertThat(imported.err()).contains("imported 13 files");

    assertThat(history(store, "run1/ckpt"))
        .containsExactly("run1/ckpt_step25.pt", "run1/ckpt_step50.pt", "run1/ckpt_step100.pt");
    assertThat(history(store, "hf/pytorch_model"))
        .containsExactly(
            "hf/checkpoint-500/pytorch_model.bin", "hf/checkpoint-1000/pytorch_model.bin");
    assertThat(history(store, "sweep/lr0.01"))
        .containsExactly("sweep/lr0.01/epoch2.pt", "sweep/lr0.01/epoch10.pt");
    assertThat(history(store, "sweep/lr0.003")).containsExactly("sweep/lr0.003/epoch1.pt");
    // digits that are not a training counter name different models
    assertThat(history(store, "zoo/resnet18")).containsExactly("zoo/resnet18.pt");
    assertThat(history(store, "zoo/resnet50")).containsExactly("zoo/resnet50.pt");
    // a file without a counter is the run's last save, whatever its mtime
    assertThat(history(store, "final/model"))
        .containsExactly("final/model_epoch3.pt", "final/model.pt");
    assertThat(history(store, "epoch")).containsExactly("epoch7.pt");

    assertExportsTheSameTree(store, src);
  }

  /**
   * Three 256 KiB float32 tensors drawn from {@code seed}; {@code shift} changes the last two,
   * {@code names} the layout.
   */
  private static void weights(Path file, String names, float shift, long seed) throws IOException {
    java.util.Random r = new java.util.Random(seed);
    List<io.modelstash.format.safetensors.SafetensorsWriter.Entry> entries =
        new java.util.ArrayList<>();
    for (int t = 0; t < 3; t++) {
      java.nio.ByteBuffer b =
          java.nio.ByteBuffer.allocate(4 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < 1 << 16; i++) {
        b.putFloat((float) r.nextGaussian() * 0.02f + (t > 0 ? shift * (i % 7) : 0));
      }
      byte[] bytes = b.array();
      entries.add(
          new io.modelstash.format.safetensors.SafetensorsWriter.Entry(
              names + t,
              io.modelstash.format.DType.FLOAT32,
              new long[] {1 << 16},
              out -> out.write(bytes)));
    }
    Files.createDirectories(file.getParent());
    try (OutputStream out = Files.newOutputStream(file)) {
      io.modelstash.format.safetensors.SafetensorsWriter.write(out, Map.of(), entries);
    }
  }

  private static long storedBytesAdded(Path store, String path) {
    CliTest.Run log = run(store, "log", path, "--json");
    assertThat(log.code()).as(log.err()).isZero();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"stored_bytes_added\" : (\\d+)").matcher(log.out());
    assertThat(m.find()).as(log.out()).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void aFineTuneInTheTreeIsStoredAgainstItsPretrainedModel() throws IOException {
    Path src = dir.resolve("hub");
    weights(src.resolve("base/model.safetensors"), "layer", 0, 1);
    weights(src.resolve("ft-a/model.safetensors"), "layer", 1e-6f, 1);
    weights(src.resolve("ft-b/model.safetensors"), "layer", 2e-6f, 1);
    weights(src.resolve("other/model.safetensors"), "block", 0, 2);
    // a path with several files is a history of its own
    weights(src.resolve("run/ckpt_step1.safetensors"), "layer", 3e-6f, 1);
    weights(src.resolve("run/ckpt_step2.safetensors"), "layer", 4e-6f, 1);

    Path store = dir.resolve("store");
    CliTest.Run dry = run(store, "import", "--dry-run", src.toString());
    assertThat(dry.code()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("ft-a/model.safetensors -> ft-a/model (base base/model@latest)");
    CliTest.Run imported = run(store, "import", src.toString());
    assertThat(imported.code()).as(imported.err()).isZero();
    assertThat(imported.out())
        .contains("ft-a/model.safetensors -> ft-a/model@1 (base base/model@1)")
        .contains("ft-b/model.safetensors -> ft-b/model@1 (base base/model@1)")
        .contains("other/model.safetensors -> other/model@1\n")
        .contains("run/ckpt_step1.safetensors -> run/ckpt@1\n");
    long base = storedBytesAdded(store, "base/model");
    // the first tensor is shared outright, the other two are small deltas
    assertThat(storedBytesAdded(store, "ft-a/model")).isLessThan(base / 3);
    assertThat(storedBytesAdded(store, "other/model")).isGreaterThan(base * 9 / 10);

    // a fine-tune that appears later finds the base an earlier import stored
    weights(src.resolve("ft-c/model.safetensors"), "layer", 3e-6f, 1);
    CliTest.Run again = run(store, "import", src.toString());
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("ft-c/model.safetensors -> ft-c/model@1 (base base/model@1)");
    assertThat(storedBytesAdded(store, "ft-c/model")).isLessThan(base / 3);

    Path plain = dir.resolve("plain");
    assertThat(run(plain, "import", "--no-bases", src.toString()).code()).isZero();
    assertThat(storedBytesAdded(plain, "ft-a/model")).isGreaterThan(base / 2);

    assertExportsTheSameTree(store, src);
  }
}
