package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.VersionInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code modelstash ls [PREFIX]}: model paths with version counts and their latest version; with
 * {@code --sort METRIC}, the versions under PREFIX ranked by a metric.
 */
@Command(
    name = "ls",
    description = {
      "List model paths (under PREFIX) with their versions.",
      "With --sort METRIC: list the versions under PREFIX that recorded METRIC, lowest first."
    })
final class LsCommand extends StoreCommand {
  @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "Only paths under this one.")
  String prefix;

  @Option(names = "--sort", paramLabel = "METRIC", description = "Rank versions by this metric.")
  String sort;

  @Option(names = "--desc", description = "With --sort: highest first.")
  boolean desc;

  @Option(names = "--limit", paramLabel = "N", description = "With --sort: at most N versions.")
  Integer limit;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    if (sort == null) {
      if (desc || limit != null) {
        throw new UserException(ExitCode.USAGE, "--desc and --limit go with --sort METRIC");
      }
      return paths(stash);
    }
    if (limit != null && limit < 0) {
      throw new UserException(ExitCode.USAGE, "--limit must not be negative");
    }
    List<VersionInfo> ranked =
        stash.rankByMetric(
            Optional.ofNullable(prefix).map(StoreCommand::path),
            sort,
            desc,
            limit == null ? Integer.MAX_VALUE : limit);
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (VersionInfo v : ranked) {
        rows.add(Output.version(v));
      }
      Output.json(out(), rows);
      return ExitCode.OK;
    }
    if (ranked.isEmpty()) {
      err()
          .println(
              "(no versions"
                  + (prefix == null ? "" : " under " + prefix)
                  + " recorded "
                  + sort
                  + ")");
      return ExitCode.OK;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "VERSION", sort.toUpperCase(java.util.Locale.ROOT), "CREATED (UTC)", "SIZE", "ALIASES"
        });
    for (VersionInfo v : ranked) {
      rows.add(
          new String[] {
            v.id().toString(),
            Output.number(v.metrics().get(sort)),
            Output.time(v.createdAt()),
            Table.bytes(v.size()),
            String.join(",", v.aliases().stream().map(a -> a.value()).toList())
          });
    }
    Table.print(out(), rows, new boolean[] {false, true, false, true, false});
    return ExitCode.OK;
  }

  private int paths(ModelStash stash) throws IOException {
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
