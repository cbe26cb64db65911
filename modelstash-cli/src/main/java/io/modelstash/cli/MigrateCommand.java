package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.lifecycle.Migrator;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code modelstash migrate --to ...}: copies every version of the current store into another one,
 * keeping numbers, metadata and aliases; running it again resumes where it stopped.
 */
@Command(
    name = "migrate",
    description = {
      "Copy every version of this store into another store (a local store into a team store, or"
          + " back), keeping version numbers, metadata and aliases.",
      "Versions arrive whole; run it again after an interruption and it resumes, skipping what"
          + " is already there. The source is only read."
    })
final class MigrateCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  static final class Target {
    @Option(
        names = "--to",
        paramLabel = "DIR|FILE",
        description =
            "The target: a store directory, or a config file (catalog = ..., blobs = ...).")
    Path to;

    @ArgGroup(exclusive = false)
    Split split;
  }

  static final class Split {
    @Option(
        names = "--to-catalog",
        required = true,
        paramLabel = "URL",
        description = "The target's catalog, e.g. postgresql://host/database.")
    String catalog;

    @Option(
        names = "--to-blobs",
        required = true,
        paramLabel = "URL",
        description = "The target's blobs, e.g. s3://bucket/prefix.")
    String blobs;

    @Option(
        names = "--to-s3-endpoint",
        paramLabel = "URL",
        description = "The target's S3-compatible endpoint (default: the --s3-endpoint in use).")
    String endpoint;
  }

  @Option(names = "--json", description = "Print a JSON summary instead of one line per version.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    StoreLocation from = main.location();
    StoreLocation to = targetLocation(from);
    if (to.equals(from)) {
      throw new UserException(ExitCode.USAGE, "The target is the store itself: name another one");
    }
    PrintWriter out = spec.commandLine().getOut();
    Migrator.Report report;
    try (ModelStash source = Stores.open(from);
        ModelStash dest = Stores.open(to)) {
      report =
          source.migrateTo(
              dest,
              (id, outcome, bytes) -> {
                if (!json) {
                  out.println(
                      (outcome == Migrator.Outcome.COPIED ? "copied  " : "present ")
                          + id
                          + (bytes > 0 ? "  (" + Table.bytes(bytes) + ")" : ""));
                  out.flush();
                }
              });
    }
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("target", to.describe());
      doc.put("versions_copied", report.copied());
      doc.put("versions_present", report.skipped());
      doc.put("objects_written", report.objects());
      doc.put("bytes_copied", report.bytes());
      doc.put("aliases", report.aliases());
      Output.json(out, doc);
    } else {
      out.println(
          "migrated to "
              + to.describe()
              + ": "
              + report.copied()
              + " versions copied, "
              + report.skipped()
              + " already there, "
              + Table.bytes(report.bytes())
              + " in "
              + report.objects()
              + " objects, "
              + report.aliases()
              + " aliases");
    }
    out.flush();
    return ExitCode.OK;
  }

  private StoreLocation targetLocation(StoreLocation from) {
    if (target.to != null) {
      Path to = target.to;
      return Files.isRegularFile(to)
          ? StoreLocation.fromConfig(to).within(main.io.cwd())
          : StoreLocation.local(to);
    }
    Optional<URI> endpoint =
        target.split.endpoint != null
            ? Optional.of(StoreLocation.parseEndpoint(target.split.endpoint))
            : from.s3Endpoint();
    return StoreLocation.split(target.split.catalog, target.split.blobs, endpoint)
        .within(main.io.cwd());
  }
}
