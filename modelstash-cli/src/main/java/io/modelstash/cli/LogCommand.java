package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.VersionInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash log PATH}: the versions of one model path, newest first. */
@Command(name = "log", description = "List the versions of a model path, newest first.")
final class LogCommand extends StoreCommand {
  @Parameters(paramLabel = "PATH")
  String path;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    List<VersionInfo> log = stash.log(path(path));
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (VersionInfo v : log) {
        rows.add(Output.version(v));
      }
      Output.json(out(), rows);
      return ExitCode.OK;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"VERSION", "CREATED (UTC)", "SIZE", "STORED", "METRICS", "ALIASES"});
    for (VersionInfo v : log) {
      rows.add(
          new String[] {
            "@" + v.id().number(),
            Output.time(v.createdAt()),
            Table.bytes(v.size()),
            Table.bytes(v.storedBytesAdded()),
            Output.metrics(v.metrics()),
            v.aliases().stream().map(a -> a.value()).collect(Collectors.joining(","))
          });
    }
    Table.print(out(), rows, new boolean[] {false, false, true, true, false, false});
    return ExitCode.OK;
  }
}
