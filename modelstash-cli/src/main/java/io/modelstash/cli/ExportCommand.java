package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code modelstash export [PREFIX] -o DIR}: writes versions (all of them without a prefix) back
 * out as a folder tree. Imported versions go back to the relative location they were imported from,
 * byte-identical; others to {@code PATH/vN/FILENAME}.
 */
@Command(
    name = "export",
    description =
        "Write every version under PREFIX (or in the store) into a folder tree (imported files go back where they came from).")
final class ExportCommand extends StoreCommand {
  @Parameters(
      paramLabel = "PREFIX",
      arity = "0..1",
      description = "Only the model paths under this prefix (default: every path).")
  String prefix;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "DIR")
  Path output;

  @Option(names = "--force", description = "Replace files that exist.")
  boolean force;

  @Override
  int run(ModelStash stash) throws IOException {
    List<PathSummary> paths =
        stash.list(prefix == null ? Optional.empty() : Optional.of(path(prefix)));
    if (paths.isEmpty()) {
      throw new UserException(
          ExitCode.NOT_FOUND,
          prefix == null
              ? "The store has no model paths"
              : "No model paths under '" + prefix + "'");
    }
    Path root = output.toAbsolutePath().normalize();
    Map<Path, VersionInfo> plan = new HashMap<>();
    List<Path> order = new ArrayList<>();
    for (PathSummary p : paths) {
      List<VersionInfo> log = new ArrayList<>(stash.log(p.path()));
      java.util.Collections.reverse(log);
      for (VersionInfo v : log) {
        Path target = root.resolve(relative(v)).normalize();
        if (!target.startsWith(root)) {
          throw new UserException(
              ExitCode.REFUSED, "Cannot export " + v.id() + ": its location leaves " + root);
        }
        VersionInfo earlier = plan.put(target, v);
        if (earlier != null) {
          if (!earlier.fileSha256().equals(v.fileSha256())) {
            throw new UserException(
                ExitCode.REFUSED,
                "Cannot export: "
                    + earlier.id()
                    + " and "
                    + v.id()
                    + " both belong at "
                    + root.relativize(target)
                    + " but differ");
          }
          continue;
        }
        order.add(target);
      }
    }
    if (!force) {
      for (Path t : order) {
        if (Files.exists(t)) {
          throw new UserException(
              ExitCode.IO, "Cannot export to " + t + ": it exists (use --force to replace files)");
        }
      }
    }
    for (Path t : order) {
      VersionInfo v = plan.get(t);
      Files.createDirectories(t.getParent());
      stash.get(Ref.version(v.id().path(), v.id().number()), t);
      out().println(v.id() + " -> " + root.relativize(t));
    }
    err().println("exported " + order.size() + " files to " + root);
    return ExitCode.OK;
  }

  private static String relative(VersionInfo v) {
    String source = v.params().get(ImportCommand.SOURCE);
    if (source != null) {
      return source;
    }
    String name = v.originalFileName().orElse(v.id().path().name() + ".pt");
    return v.id().path() + "/v" + v.id().number() + "/" + Path.of(name).getFileName();
  }
}
