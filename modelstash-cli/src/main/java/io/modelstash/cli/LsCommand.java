package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.PathSummary;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash ls [PREFIX]}: model paths with version counts and their latest version. */
@Command(name = "ls", description = "List model paths (under PREFIX) with their versions.")
final class LsCommand extends StoreCommand {
  @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "Only paths under this one.")
  String prefix;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    List<PathSummary> paths = stash.list(Optional.ofNullable(prefix).map(StoreCommand::path));
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (PathSummary p : paths) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", p.path().toString());
        m.put("versions", p.versionCount());
        m.put("latest", p.latest());
        m.put("latest_created_at", p.latestCreatedAt().toString());
        m.put("latest_size", p.latestSize());
        rows.add(m);
      }
      Output.json(out(), rows);
      return ExitCode.OK;
    }
    if (paths.isEmpty()) {
      err().println(prefix == null ? "(the store is empty)" : "(no paths under " + prefix + ")");
      return ExitCode.OK;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"PATH", "VERSIONS", "LATEST", "UPDATED (UTC)", "SIZE"});
    for (PathSummary p : paths) {
      rows.add(
          new String[] {
            p.path().toString(),
            Long.toString(p.versionCount()),
            "@" + p.latest(),
            Output.time(p.latestCreatedAt()),
            Table.bytes(p.latestSize())
          });
    }
    Table.print(out(), rows, new boolean[] {false, true, false, false, true});
    return ExitCode.OK;
  }
}
