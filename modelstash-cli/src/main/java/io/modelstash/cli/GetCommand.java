package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Ref;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash get REF -o OUT}: writes the exact bytes that were saved. */
@Command(
    name = "get",
    description = {
      "Restore a version as the exact bytes that were saved (SHA-256 checked).",
      "The file is written under a temporary name and renamed once checked."
    })
final class GetCommand extends StoreCommand {
  @Parameters(paramLabel = "REF", description = "PATH, PATH@N, PATH@latest or PATH@ALIAS.")
  String ref;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "OUT",
      description = "Output file or directory, or '-' for standard output.")
  String output;

  @Option(names = "--force", description = "Replace OUT if it exists.")
  boolean force;

  @Override
  int run(ModelStash stash) throws IOException {
    Ref r = ref(ref);
    if (output.equals("-")) {
      OutputStream os = new BufferedOutputStream(main.io.stdout(), 1 << 20);
      stash.get(r, os);
      os.flush();
      return ExitCode.OK;
    }
    Path out = main.io.path(output);
    VersionInfo v = stash.resolve(r);
    if (Files.isDirectory(out)) {
      out = out.resolve(v.originalFileName().orElse(v.id().path().name() + ".pt"));
    }
    if (Files.exists(out) && !force) {
      throw new UserException(
          ExitCode.IO, "Cannot write " + out + ": it exists (use --force to replace it)");
    }
    Path parent = out.toAbsolutePath().getParent();
    if (!Files.isDirectory(parent)) {
      throw new UserException(ExitCode.IO, "Cannot write " + out + ": no directory " + parent);
    }
    try (Progress progress = Progress.bytes(main.io, "get", v.size())) {
      stash.get(Ref.version(v.id().path(), v.id().number()), out, progress);
    }
    if (main.io.interactive()) {
      err().println("wrote " + out + " (" + v.id() + ", " + Table.bytes(v.size()) + ", sha256 ok)");
    }
    return ExitCode.OK;
  }
}
