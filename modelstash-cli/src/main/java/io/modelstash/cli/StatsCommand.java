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

  @Option(
      names = "--codecs",
      description =
          "Also show, per codec, the distinct chunks it encoded and how close their coded streams"
              + " come to their order-0 entropy (reads every chunk).")
  boolean codecs;

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
      if (codecs) {
        List<Map<String, Object>> usage = new ArrayList<>();
        for (ModelStash.CodecUsage u : stash.codecUsage(p)) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("codec", Codecs.name(u.codec()));
          m.put("chunks", u.chunks());
          m.put("raw_bytes", u.rawBytes());
          m.put("stored_bytes", u.storedBytes());
          m.put("coded_bytes", u.codedBytes());
          m.put("entropy_bytes", Math.round(u.entropyBytes()));
          usage.add(m);
        }
        doc.put("codecs", usage);
      }
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
    if (codecs) {
      out().println();
      List<String[]> usage = new ArrayList<>();
      usage.add(
          new String[] {"CODEC", "CHUNKS", "RAW", "STORED", "RATIO", "CODED", "ORDER-0", "OVER"});
      for (ModelStash.CodecUsage u : stash.codecUsage(p)) {
        usage.add(
            new String[] {
              Codecs.name(u.codec()),
              Long.toString(u.chunks()),
              Table.bytes(u.rawBytes()),
              Table.bytes(u.storedBytes()),
              Output.ratio(u.storedBytes(), u.rawBytes()),
              Table.bytes(u.codedBytes()),
              Table.bytes(Math.round(u.entropyBytes())),
              u.entropyBytes() == 0
                  ? "-"
                  : String.format(
                      java.util.Locale.ROOT,
                      "%+.1f%%",
                      100 * (u.codedBytes() / u.entropyBytes() - 1))
            });
      }
      Table.print(out(), usage, new boolean[] {false, true, true, true, true, true, true, true});
      out()
          .println(
              "ORDER-0: the entropy of each coded stream taken byte by byte, what an ideal per-stream"
                  + " coder would need; zstd can go below it on repetitive (opaque) data.");
    }
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
