package io.modelstash.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.PutResult;
import io.modelstash.store.catalog.CatalogStats;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code modelstash quickstart}: the main job end to end on a fresh embedded store, with the
 * bundled series of real checkpoints (made by torch.save; see examples/make_quickstart.py).
 */
@Command(
    name = "quickstart",
    description = {
      "Store a bundled series of real training checkpoints in a fresh store, show the log and",
      "the space used against the raw files and gzip, then restore one and verify it."
    })
final class QuickstartCommand implements Callable<Integer> {
  private static final String RESOURCES = "/quickstart/";
  private static final ModelPath CHECKPOINTS = ModelPath.parse("quickstart/classifier/checkpoint");
  private static final ModelPath MODEL = ModelPath.parse("quickstart/classifier/model");

  @Spec CommandSpec spec;

  @Option(
      names = "--dir",
      paramLabel = "DIR",
      description = "Work here (must be empty or absent) instead of a new temporary directory.")
  Path dir;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path work = workDirectory();
    Path files = Files.createDirectories(work.resolve("files"));
    JsonNode series = new ObjectMapper().readTree(resource("series.json"));
    List<Path> saved = new ArrayList<>();
    out.println("modelstash quickstart: working in " + work);
    out.println();
    long raw = 0;
    long gzip = 0;
    try (ModelStash stash = ModelStash.open(work.resolve("store"))) {
      out.println("$ modelstash put " + CHECKPOINTS + " <file> --metric val_loss=... (x5)");
      for (JsonNode c : series.get("checkpoints")) {
        Path f = extract(c.get("file").asText(), files);
        saved.add(f);
        PutResult r =
            stash.put(
                CHECKPOINTS,
                f,
                new PutOptions(
                    Map.of("epoch", c.get("epoch").asText()),
                    Map.of(
                        "val_loss", c.get("val_loss").asDouble(),
                        "val_acc", c.get("val_acc").asDouble()),
                    Optional.empty(),
                    Optional.empty(),
                    Optional.empty()));
        out.printf(
            "  %-40s %s  +%s stored%n", f.getFileName(), r.id(), Table.bytes(r.storedBytesAdded()));
        raw += r.size();
        gzip += gzipSize(f);
      }
      JsonNode best = series.get("best_model");
      Path bestFile = extract(best.get("file").asText(), files);
      PutResult model =
          stash.put(
              MODEL,
              bestFile,
              new PutOptions(
                  Map.of("epoch", best.get("epoch").asText()),
                  Map.of(),
                  Optional.of("best model's state_dict, saved alone"),
                  Optional.of(AliasName.of("best")),
                  Optional.empty()));
      raw += model.size();
      gzip += gzipSize(bestFile);
      out.printf(
          "  %-40s %s  +%s stored (tagged best; shares its tensors with the checkpoint)%n",
          bestFile.getFileName(), model.id(), Table.bytes(model.storedBytesAdded()));
      out.println();

      out.println("$ modelstash log " + CHECKPOINTS);
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"VERSION", "SIZE", "STORED", "METRICS"});
      for (VersionInfo v : stash.log(CHECKPOINTS)) {
        rows.add(
            new String[] {
              "@" + v.id().number(),
              Table.bytes(v.size()),
              Table.bytes(v.storedBytesAdded()),
              Output.metrics(v.metrics())
            });
      }
      Table.print(out, rows, new boolean[] {false, true, true, false});
      out.println();

      CatalogStats stats = stash.stats(Optional.empty());
      out.println("space for " + stats.versions() + " files:");
      out.printf("  raw files (torch.save)     %10s%n", Table.bytes(raw));
      out.printf(
          "  gzip -6 per file           %10s  (%s of raw)%n",
          Table.bytes(gzip), Output.ratio(gzip, raw));
      out.printf(
          "  modelstash                 %10s  (%s of raw, %s of gzip)%n",
          Table.bytes(stats.storedBytes()),
          Output.ratio(stats.storedBytes(), raw),
          Output.ratio(stats.storedBytes(), gzip));
      out.println();

      Path restored = work.resolve("restored-best.pt");
      out.println("$ modelstash get " + MODEL + "@best -o " + restored.getFileName());
      stash.get(Ref.alias(MODEL, AliasName.of("best")), restored);
      boolean same = sha(restored).equals(sha(bestFile));
      out.println(
          "  restored "
              + Table.bytes(Files.size(restored))
              + (same
                  ? ", SHA-256 identical to the file that was saved"
                  : ", but it DIFFERS from the file that was saved"));
      out.println();
      out.println("The store is in " + work.resolve("store") + "; try:");
      out.println("  bin/modelstash --store " + work.resolve("store") + " ls");
      out.flush();
      if (!same) {
        throw new UserException(ExitCode.CORRUPT, "quickstart: the restored file differs");
      }
    }
    return ExitCode.OK;
  }

  private Path workDirectory() throws IOException {
    if (dir == null) {
      return Files.createTempDirectory("modelstash-quickstart-");
    }
    if (Files.exists(dir)) {
      try (var s = Files.list(dir)) {
        if (s.findAny().isPresent()) {
          throw new UserException(
              ExitCode.IO, "Cannot use " + dir + " for the quickstart: it is not empty");
        }
      }
    }
    return Files.createDirectories(dir);
  }

  private static InputStream resource(String name) throws IOException {
    InputStream in = QuickstartCommand.class.getResourceAsStream(RESOURCES + name);
    if (in == null) {
      throw new IOException("quickstart resource " + name + " is missing from the build");
    }
    return in;
  }

  private static Path extract(String name, Path dir) throws IOException {
    Path f = dir.resolve(name);
    try (InputStream in = resource(name)) {
      Files.copy(in, f);
    }
    return f;
  }

  /** What {@code gzip -6} would take for the file (the deflate stream plus gzip's 18 bytes). */
  static long gzipSize(Path f) throws IOException {
    long[] n = {18};
    OutputStream counter =
        new OutputStream() {
          @Override
          public void write(int b) {
            n[0]++;
          }

          @Override
          public void write(byte[] b, int off, int len) {
            n[0] += len;
          }
        };
    Deflater deflater = new Deflater(6, true);
    try (DeflaterOutputStream dos = new DeflaterOutputStream(counter, deflater)) {
      Files.copy(f, dos);
    } finally {
      deflater.end();
    }
    return n[0];
  }

  private static Digest sha(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return Digest.of(in);
    }
  }
}
