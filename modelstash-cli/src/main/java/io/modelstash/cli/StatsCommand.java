package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.CatalogStats;
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

/** {@code modelstash stats [PREFIX]}: logical against stored bytes, per path and in total. */
@Command(
    name = "stats",
    description = {
      "Show logical bytes (sum of saved file sizes) against stored bytes, per path and in total.",
      "A path's stored bytes count every chunk its versions use, including chunks it shares."
    })
final class StatsCommand extends StoreCommand {
  @Parameters(arity = "0..1", paramLabel = "PREFIX")
  String prefix;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    Optional<io.modelstash.store.name.ModelPath> p =
        Optional.ofNullable(prefix).map(StoreCommand::path);
    List<PathSummary> paths = stash.list(p);
    List<Object[]> perPath = new ArrayList<>();
    for (PathSummary s : paths) {
      perPath.add(new Object[] {s.path().toString(), stash.stats(Optional.of(s.path()))});
    }
    CatalogStats total = stash.stats(p);
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Object[] row : perPath) {
        Map<String, Object> m = stats((CatalogStats) row[1]);
        m.put("path", row[0]);
        rows.add(m);
      }
      doc.put("paths", rows);
      doc.put("total", stats(total));
      Output.json(out(), doc);
      return ExitCode.OK;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"PATH", "VERSIONS", "LOGICAL", "STORED", "RATIO"});
    for (Object[] row : perPath) {
      CatalogStats s = (CatalogStats) row[1];
      rows.add(line((String) row[0], s));
    }
    rows.add(line("total", total));
    Table.print(out(), rows, new boolean[] {false, true, true, true, true});
    return ExitCode.OK;
  }

  private static String[] line(String name, CatalogStats s) {
    return new String[] {
      name,
      Long.toString(s.versions()),
      Table.bytes(s.logicalBytes()),
      Table.bytes(s.storedBytes()),
      Output.ratio(s.storedBytes(), s.logicalBytes())
    };
  }

  private static Map<String, Object> stats(CatalogStats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("versions", s.versions());
    m.put("logical_bytes", s.logicalBytes());
    m.put("stored_bytes", s.storedBytes());
    m.put("unique_raw_bytes", s.uniqueRawBytes());
    m.put("chunks", s.chunks());
    m.put("ratio", s.logicalBytes() == 0 ? null : s.storedBytes() / (double) s.logicalBytes());
    return m;
  }
}
