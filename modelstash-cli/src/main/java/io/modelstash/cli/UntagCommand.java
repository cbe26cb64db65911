package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.ModelPath;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code modelstash untag PATH ALIAS}. */
@Command(name = "untag", description = "Remove an alias from a model path.")
final class UntagCommand extends StoreCommand {
  @Parameters(index = "0", paramLabel = "PATH")
  String path;

  @Parameters(index = "1", paramLabel = "ALIAS")
  String alias;

  @Override
  int run(ModelStash stash) throws IOException {
    ModelPath p = path(path);
    AliasName name = AliasName.of(alias);
    if (!stash.untag(p, name)) {
      throw new UserException(ExitCode.NOT_FOUND, "No alias '" + alias + "' on " + p);
    }
    out().println("removed " + p + "@" + name.value());
    return ExitCode.OK;
  }
}
