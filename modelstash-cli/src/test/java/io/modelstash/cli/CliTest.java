package io.modelstash.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelstash.format.testing.Expected;
import io.modelstash.format.testing.ExpectedTensor;
import io.modelstash.format.testing.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user sees it: output, one-line errors and exit codes. */
class CliTest {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  static List<ExpectedTensor> tensorsOf(String json) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json);
    List<ExpectedTensor> out = new ArrayList<>();
    for (JsonNode t : root.get("tensors")) {
      long[] shape = new long[t.get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = t.get("shape").get(i).asLong();
      }
      out.add(
          new ExpectedTensor(
              t.get("name").asText(), t.get("dtype").asText(), shape, t.get("sha256").asText()));
    }
    return out;
  }

  @Test
  void inspectJsonMatchesWhatTorchSaved() throws IOException {
    Path file = Fixtures.torch("ckpt.pt");
    Run r = run("inspect", "--json", file.toString());
    assertThat(r.code()).as(r.err()).isZero();
    Expected expected = Fixtures.expected(file);
    JsonNode root = new ObjectMapper().readTree(r.out());
    assertThat(root.get("format").asText()).isEqualTo(expected.format());
    assertThat(tensorsOf(r.out())).containsExactlyElementsOf(expected.tensors());
  }

  @Test
  void inspectTableShowsTensorsAndTotals() {
    Run r = run("inspect", Fixtures.torch("ckpt.pt").toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("format: torch-zip");
    assertThat(r.out()).contains("NAME", "DTYPE", "SHAPE", "BYTES");
    assertThat(r.out()).contains("model/").contains("optimizer/state/0/exp_avg");
    assertThat(r.out()).containsPattern("\\d+ tensors, \\d+ elements");
  }

  @Test
  void hostileFileGetsOneLineAndExitCode3() {
    Run r = run("inspect", Fixtures.hostile("global-os-system.pt").toString());
    assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.err().strip().lines()).hasSize(1);
    assertThat(r.err()).contains("os.system").doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void verboseAddsTheStackTrace() {
    Run r = run("--verbose", "inspect", Fixtures.hostile("global-os-system.pt").toString());
    assertThat(r.code()).isEqualTo(ExitCode.BAD_INPUT);
    assertThat(r.err().lines().count()).isGreaterThan(1);
  }

  @Test
  void missingFileIsAnIoError() {
    Run r = run("inspect", dir.resolve("nope.pt").toString());
    assertThat(r.code()).isEqualTo(ExitCode.IO);
    assertThat(r.err().strip()).startsWith("modelstash: No such file").doesNotContain("\n");
  }

  @Test
  void aRunBuildsOnlyTheSubcommandItNames() {
    assertThat(Main.subcommand("put", "a/b", "f.pt")).contains("put");
    assertThat(Main.subcommand("--store", "put", "get", "a@1", "-o", "x")).contains("get");
    assertThat(Main.subcommand("--store=/s", "--verbose", "ls")).contains("ls");
    assertThat(Main.subcommand("--catalog", "c", "--blobs", "b", "log", "p")).contains("log");
    // help, version, typos and nothing at all get every subcommand
    assertThat(Main.subcommand("help", "put")).isEmpty();
    assertThat(Main.subcommand("--version")).isEmpty();
    assertThat(Main.subcommand("pt", "a/b")).isEmpty();
    assertThat(Main.subcommand()).isEmpty();
    assertThat(Main.commandLine("ls").getSubcommands().keySet()).containsExactly("ls");
    Run help = run("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("quickstart").contains("put").contains("convert");
    // what a usage error tells the user to run works
    Run putHelp = run("put", "--help");
    assertThat(putHelp.code()).isZero();
    assertThat(putHelp.out()).startsWith("Usage: modelstash put").contains("--base=REF");
    assertThat(run("verify", "-h").out()).startsWith("Usage: modelstash verify");
    // options of the top command still reach the one subcommand built
    Run put = run("put", "--store", dir.resolve("store").toString(), "a/b", "no-such-file.pt");
    assertThat(put.code()).isNotZero();
    assertThat(put.err()).contains("no-such-file.pt");
  }

  @Test
  void wrongUsageIsExitCode2() {
    assertThat(run("inspect").code()).isEqualTo(ExitCode.USAGE);
    assertThat(run("inspect", "--bogus", "x").code()).isEqualTo(ExitCode.USAGE);
    assertThat(run("frobnicate").code()).isEqualTo(ExitCode.USAGE);
    Run r = run("convert", "a", "b", "--to", "onnx");
    assertThat(r.code()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("pt").contains("safetensors");
  }

  @Test
  void convertToSafetensorsAndBackKeepsEveryTensor() throws IOException {
    Path in = Fixtures.torch("model.v2.pt");
    Path st = dir.resolve("m.safetensors");
    Path pt = dir.resolve("m.pt");
    Run a = run("convert", in.toString(), st.toString(), "--to", "safetensors");
    assertThat(a.code()).as(a.err()).isZero();
    Run b = run("convert", st.toString(), pt.toString(), "--to", "pt", "--torch-compat", "1.13");
    assertThat(b.code()).as(b.err()).isZero();
    Run original = run("inspect", "--json", in.toString());
    Run back = run("inspect", "--json", pt.toString());
    assertThat(tensorsOf(back.out()))
        .containsExactlyInAnyOrderElementsOf(tensorsOf(original.out()));
  }

  @Test
  void convertRefusesWhatSafetensorsCannotHoldAndWritesNothing() {
    Path out = dir.resolve("c.safetensors");
    Run r =
        run("convert", Fixtures.torch("ckpt.pt").toString(), out.toString(), "--to", "safetensors");
    assertThat(r.code()).isEqualTo(ExitCode.REFUSED);
    assertThat(r.err()).contains("--drop-non-tensors");
    assertThat(out).doesNotExist();
    assertThat(dir.toFile().list()).isEmpty();
    Run shared =
        run(
            "convert",
            Fixtures.torch("views.pt").toString(),
            out.toString(),
            "--to",
            "safetensors");
    assertThat(shared.code()).isEqualTo(ExitCode.REFUSED);
    assertThat(shared.err()).contains("--copy-shared");
    Run copied =
        run(
            "convert",
            Fixtures.torch("views.pt").toString(),
            out.toString(),
            "--to",
            "safetensors",
            "--copy-shared");
    assertThat(copied.code()).as(copied.err()).isZero();
  }

  @Test
  void convertDoesNotReplaceAnExistingFileWithoutForce() throws IOException {
    Path out = dir.resolve("x.pt");
    Files.writeString(out, "keep me");
    Run r = run("convert", Fixtures.torch("model.v2.pt").toString(), out.toString(), "--to", "pt");
    assertThat(r.code()).isEqualTo(ExitCode.IO);
    assertThat(Files.readString(out)).isEqualTo("keep me");
    assertThat(
            run(
                    "convert",
                    Fixtures.torch("model.v2.pt").toString(),
                    out.toString(),
                    "--to",
                    "pt",
                    "--force")
                .code())
        .isZero();
  }

  @Test
  void aCatalogWithAnotherStoresBlobsIsRefusedInOneLine() {
    String a = "sqlite:" + dir.resolve("a.db");
    String b = "sqlite:" + dir.resolve("b.db");
    String aBlobs = dir.resolve("a-blobs").toString();
    String bBlobs = dir.resolve("b-blobs").toString();
    String ckpt = Fixtures.torch("ckpt.pt").toString();
    String other = Fixtures.torch("model.v2.pt").toString();
    assertThat(run("--catalog", a, "--blobs", aBlobs, "put", "team/a", ckpt).code()).isZero();
    assertThat(run("--catalog", b, "--blobs", bBlobs, "put", "team/b", other).code()).isZero();

    // gc through A's catalog would otherwise delete all of B's objects as unreferenced
    Run r = run("--catalog", a, "--blobs", bBlobs, "gc", "--grace", "0s");
    assertThat(r.code()).isEqualTo(ExitCode.REFUSED);
    assertThat(r.err()).startsWith("modelstash: Cannot open store: catalog ").hasLineCount(1);
    assertThat(r.err()).contains(bBlobs).contains("(check --catalog and --blobs)");
    Run verify = run("--catalog", b, "--blobs", bBlobs, "verify", "--full");
    assertThat(verify.code()).as(verify.err()).isZero();
  }

  @Test
  void aCatalogUpgradeIsAnnouncedOnceBeforeItRuns() throws Exception {
    String store = dir.resolve("store").toString();
    Run put = run("--store", store, "put", "run/ckpt", Fixtures.torch("ckpt.pt").toString());
    assertThat(put.code()).as(put.err()).isZero();
    assertThat(put.err()).doesNotContain("upgrading");
    // what a catalog of schema 3 looked like: schema 4 only added the store_identity table
    try (java.sql.Connection c =
            java.sql.DriverManager.getConnection("jdbc:sqlite:" + store + "/catalog.db");
        java.sql.Statement s = c.createStatement()) {
      s.execute("DROP TABLE store_identity");
      s.execute("UPDATE schema_version SET version = 3");
    }

    Run first = run("--store", store, "ls");
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.err().lines())
        .containsExactly(
            "modelstash: upgrading catalog "
                + store
                + "/catalog.db from schema 3 to 4, once; this takes about 15 s per million chunks");
    assertThat(first.out()).contains("run/ckpt");
    Run second = run("--store", store, "ls");
    assertThat(second.err()).isEmpty();
  }
}
