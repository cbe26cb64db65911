package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.RemoveResult;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash rm REF}: removes a version; gc later frees its unshared chunks. */
@Command(
    name = "rm",
    description = "Remove a version. Its data is freed by gc once no other version uses it.")
final class RmCommand extends StoreCommand {
  @Parameters(paramLabel = "REF")
  String ref;

  @Option(names = "--force", description = "Also remove an aliased version (drops its aliases).")
  boolean force;

  @Override
  int run(ModelStash stash) throws IOException {
    VersionInfo v = stash.resolve(ref(ref));
    RemoveResult r = stash.remove(Ref.version(v.id().path(), v.id().number()), force);
    switch (r) {
      case REMOVED:
        out().println("removed " + v.id());
        return ExitCode.OK;
      case ALIASED:
        throw new UserException(
            ExitCode.REFUSED,
            "Cannot remove "
                + v.id()
                + ": aliased as "
                + String.join(", ", v.aliases().stream().map(a -> a.value()).toList())
                + " (untag it first, or use --force)");
      default:
        throw new UserException(ExitCode.NOT_FOUND, "No version " + v.id());
    }
  }
}
