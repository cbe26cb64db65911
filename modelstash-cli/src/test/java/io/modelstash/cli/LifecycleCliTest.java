package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelstash.format.DType;
import io.modelstash.format.safetensors.SafetensorsWriter;
import io.modelstash.format.testing.TorchPython;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.name.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc, verify, repair, diff, tensors, cat-tensor and ranked ls as a user runs them. */
class LifecycleCliTest {
  @TempDir Path dir;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path QUICKSTART = Path.of("src", "main", "resources", "quickstart");
  private static final String[] LOSS = {"1.377231", "1.368341", "1.36264", "1.359185", "1.358291"};

  private String store;

  @BeforeEach
  void history() {
    store = dir.resolve("store").toString();
    for (int i = 1; i <= 5; i++) {
      CliTest.Run r =
          run(
              "put",
              "proj/run",
              QUICKSTART.resolve("checkpoint_epoch" + i + ".pt").toString(),
              "--metric",
              "val_loss=" + LOSS[i - 1],
              "--metric",
              "epoch=" + i);
      assertThat(r.code()).as(r.err()).isZero();
    }
  }

  private CliTest.Run run(String... args) {
    List<String> all = new ArrayList<>(List.of("--store", store));
    all.addAll(List.of(args));
    return CliTest.run(all.toArray(new String[0]));
  }

  private JsonNode json(String... args) throws IOException {
    CliTest.Run r = run(args);
    assertThat(r.code()).as(r.err()).isZero();
    return JSON.readTree(r.out());
  }

  @Test
  void gcDryRunAgreesWithTheRealRun() throws IOException {
    JsonNode dry =
        json(
            "gc",
            "proj",
            "--keep-last",
            "2",
            "--keep-best",
            "1:val_loss:max",
            "--dry-run",
            "--json");
    assertThat(dry.get("dry_run").asBoolean()).isTrue();
    List<Integer> numbers = new ArrayList<>();
    dry.get("versions").forEach(v -> numbers.add(v.get("version").asInt()));
    assertThat(numbers).containsExactly(2, 3);
    JsonNode real =
        json("gc", "proj", "--keep-last", "2", "--keep-best", "1:val_loss:max", "--json");
    assertThat(real.get("bytes_freed").asLong())
        .isEqualTo(dry.get("bytes_freed").asLong())
        .isPositive();
    assertThat(real.get("chunks")).isEqualTo(dry.get("chunks"));
    CliTest.Run log = run("log", "proj/run");
    assertThat(log.out())
        .contains("@5")
        .contains("@4")
        .contains("@1")
        .doesNotContain("@2 ")
        .doesNotContain("@3 ");
    CliTest.Run text = run("gc", "--grace", "0", "--dry-run");
    assertThat(text.code()).isZero();
    assertThat(text.out()).startsWith("would free");
  }

  @Test
  void gcRefusesBadRulesAsUsageErrors() {
    assertThat(run("gc", "--older-than", "3 days").code()).isEqualTo(ExitCode.USAGE);
    assertThat(run("gc", "--grace", "1x").code()).isEqualTo(ExitCode.USAGE);
    CliTest.Run best = run("gc", "--keep-best", "loss");
    assertThat(best.code()).isEqualTo(ExitCode.USAGE);
    assertThat(best.err()).contains("K:METRIC");
    assertThat(run("gc", "--keep-every", "0").code()).isEqualTo(ExitCode.USAGE);
    assertThat(Durations.parse("1h30m").toMinutes()).isEqualTo(90);
    assertThat(Durations.parse("2w").toDays()).isEqualTo(14);
    assertThat(Durations.format(Durations.parse("1d2h3m4s"))).isEqualTo("1d2h3m4s");
  }

  @Test
  void aFlippedByteFailsVerifyWithExitCode7AndGetWritesNothing() throws IOException {
    assertThat(run("verify").code()).isZero();
    // the largest chunk object: the frozen embedding, which all five versions share
    LocalBlobStore blobs = LocalBlobStore.open(Path.of(store));
    Digest victim;
    try (Stream<io.modelstash.store.blob.BlobInfo> s = blobs.list(BlobKind.CHUNK)) {
      victim = s.max(java.util.Comparator.comparingLong(b -> b.size())).orElseThrow().id();
    }
    try (RandomAccessFile f =
        new RandomAccessFile(blobs.pathOf(BlobKind.CHUNK, victim).toFile(), "rw")) {
      f.seek(1000);
      int b = f.read();
      f.seek(1000);
      f.write(b ^ 1);
    }
    CliTest.Run full = run("verify", "--full");
    assertThat(full.code()).isEqualTo(ExitCode.CORRUPT);
    assertThat(full.out())
        .contains(victim.hex())
        .contains("affects proj/run@5, proj/run@4, proj/run@3, proj/run@2, proj/run@1");
    assertThat(full.err().strip())
        .startsWith("modelstash: verify found 1 problem")
        .doesNotContain("\n");
    JsonNode report = JSON.readTree(run("verify", "--full", "--json").out());
    assertThat(report.get("ok").asBoolean()).isFalse();
    assertThat(report.get("problems").get(0).get("kind").asText()).isEqualTo("corrupt-chunk");
    assertThat(report.get("problems").get(0).get("versions")).hasSize(5);

    Path out = dir.resolve("restored.pt");
    CliTest.Run get = run("get", "proj/run@3", "-o", out.toString());
    assertThat(get.code()).isEqualTo(ExitCode.CORRUPT);
    assertThat(get.err()).contains("Cannot restore proj/run@3").contains("corrupt");
    assertThat(out).doesNotExist();
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("restored"));
    }
  }

  @Test
  void repairRebuildsADeletedCatalog() throws IOException {
    String before = run("log", "proj/run", "--json").out();
    run("tag", "proj/run@2", "best");
    try (Stream<Path> files = Files.list(Path.of(store))) {
      for (Path p : files.toList()) {
        if (p.getFileName().toString().startsWith("catalog.db")) {
          Files.delete(p);
        }
      }
    }
    CliTest.Run r = run("repair", "--rebuild-catalog");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("5 versions with their recorded numbers").contains("aliases");
    assertThat(run("log", "proj/run", "--json").out()).isEqualTo(before);
    Path out = dir.resolve("e3.pt");
    assertThat(run("get", "proj/run@3", "-o", out.toString()).code()).isZero();
    assertThat(Files.readAllBytes(out))
        .isEqualTo(Files.readAllBytes(QUICKSTART.resolve("checkpoint_epoch3.pt")));
    assertThat(run("repair").code()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void bestByMetricInRefsAndListings() throws IOException {
    assertThat(json("show", "proj/run@min:val_loss", "--json").get("version").asInt()).isEqualTo(5);
    assertThat(json("show", "proj/run@max:val_loss", "--json").get("version").asInt()).isEqualTo(1);
    CliTest.Run none = run("show", "proj/run@min:accuracy");
    assertThat(none.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(none.err()).contains("has metric 'accuracy'");
    JsonNode ranked = json("ls", "proj", "--sort", "val_loss", "--desc", "--limit", "2", "--json");
    assertThat(ranked).hasSize(2);
    assertThat(ranked.get(0).get("version").asInt()).isEqualTo(1);
    assertThat(ranked.get(1).get("version").asInt()).isEqualTo(2);
    CliTest.Run table = run("ls", "--sort", "val_loss", "--limit", "1");
    assertThat(table.out())
        .contains("VAL_LOSS")
        .contains("proj/run@5")
        .doesNotContain("proj/run@4");
    assertThat(run("ls", "--desc").code()).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void diffAndTensorListingReadTheStoredChunks() throws IOException {
    JsonNode d = json("diff", "proj/run@1", "proj/run@2", "--json");
    assertThat(d.get("from").asText()).isEqualTo("proj/run@1");
    JsonNode embed = null;
    JsonNode head = null;
    for (JsonNode t : d.get("tensors")) {
      if (t.get("name").asText().equals("model/embed.weight")) {
        embed = t;
      } else if (t.get("name").asText().equals("model/head.0.weight")) {
        head = t;
      }
    }
    assertThat(embed.get("status").asText()).isEqualTo("same");
    assertThat(head.get("status").asText()).isEqualTo("changed");
    assertThat(head.get("fraction_differing").asDouble()).isPositive();
    assertThat(head.get("max_abs_diff").asDouble()).isPositive();
    assertThat(head.get("relative_l2").asDouble()).isPositive();
    assertThat(d.get("stored").get("shared_bytes").asLong())
        .isPositive()
        .isLessThan(d.get("stored").get("from_bytes").asLong());
    CliTest.Run text = run("diff", "proj/run@1", "proj/run@2");
    assertThat(text.out())
        .contains("model/head.0.weight")
        .contains("changed")
        .contains("1 tensor unchanged");

    JsonNode tensors = json("tensors", "proj/run", "--json");
    assertThat(tensors).hasSize(17);
    assertThat(tensors.get(0).get("name").asText()).isEqualTo("model/embed.weight");
    assertThat(tensors.get(0).get("readable").asBoolean()).isTrue();
    assertThat(run("tensors", "proj/run@9").code()).isEqualTo(ExitCode.NOT_FOUND);
  }

  @Test
  void catTensorWritesWhatNumpyLoadsWithIdenticalValues() throws IOException {
    Path npy = dir.resolve("head.npy");
    CliTest.Run r = run("cat-tensor", "proj/run@3", "model/head.0.weight", "-o", npy.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(run("cat-tensor", "proj/run@3", "model/head.0.weight", "-o", npy.toString()).code())
        .isEqualTo(ExitCode.IO);
    assertThat(
            run("cat-tensor", "proj/run@3", "nope", "-o", dir.resolve("x.npy").toString()).code())
        .isEqualTo(ExitCode.NOT_FOUND);

    Path bf16 = dir.resolve("bf16.safetensors");
    byte[] values = {(byte) 0x80, 0x3f, 0x00, (byte) 0xc0, 0x40, 0x40, 0x00, 0x3f};
    try (OutputStream out = Files.newOutputStream(bf16)) {
      SafetensorsWriter.write(
          out,
          Map.of(),
          List.of(
              new SafetensorsWriter.Entry(
                  "w", DType.BFLOAT16, new long[] {2, 2}, o -> o.write(values))));
    }
    assertThat(run("put", "half/model", bf16.toString()).code()).isZero();
    Path refused = dir.resolve("bf16.npy");
    CliTest.Run no = run("cat-tensor", "half/model", "w", "-o", refused.toString());
    assertThat(no.code()).isEqualTo(ExitCode.REFUSED);
    assertThat(no.err()).contains("NumPy has no bfloat16 dtype").contains("--as float32");
    assertThat(refused).doesNotExist();
    Path converted = dir.resolve("bf16-as-f32.npy");
    assertThat(
            run("cat-tensor", "half/model", "w", "-o", converted.toString(), "--as", "float32")
                .code())
        .isZero();

    assumeNumpy();
    // torch.load of the original file is the reference when torch is there
    boolean torch = TorchPython.isAvailable();
    String script =
        "import sys, numpy"
            + (torch ? ", torch" : "")
            + "\na = numpy.load(sys.argv[1])\n"
            + "t = "
            + (torch ? "torch.load(sys.argv[2])['model']['head.0.weight'].numpy()" : "a")
            + "\nb = numpy.load(sys.argv[3])\n"
            + "print(a.dtype, a.shape, bool((a == t).all()), b.dtype, b.tolist())\n";
    String out =
        python(
            script,
            npy.toString(),
            QUICKSTART.resolve("checkpoint_epoch3.pt").toAbsolutePath().toString(),
            converted.toString());
    assertThat(out.strip()).isEqualTo("float32 (128, 64) True float32 [[1.0, -2.0], [3.0, 0.5]]");
  }

  /** Skips without numpy at {@code /usr/bin/python3}; under {@code CI=true} fails instead. */
  private static void assumeNumpy() throws IOException {
    String reason = null;
    try {
      python("import numpy");
    } catch (AssertionError e) {
      reason = e.getMessage();
    }
    if (reason == null) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("NumPy is missing at " + TorchPython.interpreter() + " and CI=true: " + reason);
    }
    Assumptions.abort(
        "NumPy not found at " + TorchPython.interpreter() + " (install python3-numpy): " + reason);
  }

  private static String python(String script, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(TorchPython.interpreter().toString(), "-c", script));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
        throw new AssertionError("python failed: " + err.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }
}
