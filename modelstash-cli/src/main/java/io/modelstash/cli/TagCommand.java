package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.TagResult;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Ref;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code modelstash tag REF ALIAS}: points an alias at a version. */
@Command(name = "tag", description = "Point ALIAS (e.g. best, prod) at the version REF names.")
final class TagCommand extends StoreCommand {
  @Parameters(index = "0", paramLabel = "REF")
  String ref;

  @Parameters(index = "1", paramLabel = "ALIAS")
  String alias;

  @Override
  int run(ModelStash stash) throws IOException {
    AliasName name = AliasName.of(alias);
    VersionInfo v = stash.resolve(ref(ref));
    TagResult result = stash.tag(Ref.version(v.id().path(), v.id().number()), name);
    if (result == TagResult.NO_SUCH_VERSION) {
      throw new UserException(ExitCode.NOT_FOUND, "No version " + v.id() + " (was it removed?)");
    }
    out()
        .println(
            v.id().path()
                + "@"
                + name.value()
                + " -> @"
                + v.id().number()
                + " ("
                + result.name().toLowerCase(java.util.Locale.ROOT)
                + ")");
    return ExitCode.OK;
  }
}
