package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.manifest.Manifest;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash show REF}: one version's metadata, and its tensors on request. */
@Command(name = "show", description = "Show one version's metadata (and tensor table).")
final class ShowCommand extends StoreCommand {
  @Parameters(paramLabel = "REF")
  String ref;

  @Option(names = "--tensors", description = "Also list the tensors of the saved file.")
  boolean tensors;

  @Option(
      names = "--chunks",
      description = "Also list the chunks: what each holds, its codec, size and delta base.")
  boolean chunks;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    VersionInfo v = stash.resolve(ref(ref));
    Manifest m = tensors ? stash.manifest(v) : null;
    List<ModelStash.ChunkUse> uses = chunks ? stash.chunks(v) : List.of();
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>(Output.version(v));
      if (m != null) {
        List<Map<String, Object>> ts = new ArrayList<>();
        for (Manifest.TensorEntry t : m.tensors()) {
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("name", t.name());
          e.put("dtype", t.dtype());
          e.put("shape", t.shape());
          e.put("bytes", t.nbytes());
          ts.add(e);
        }
        doc.put("tensors", ts);
      }
      if (chunks) {
        List<Map<String, Object>> cs = new ArrayList<>();
        for (ModelStash.ChunkUse c : uses) {
          Map<String, Object> e = new LinkedHashMap<>();
          e.put("segment", c.segment());
          e.put("dtype", c.dtype());
          e.put("id", c.id().hex());
          e.put("raw_bytes", c.rawLength());
          e.put("stored_bytes", c.storedSize());
          e.put("codec", Codecs.name(c.codec()));
          e.put("base", c.base().map(b -> b.hex()).orElse(null));
          cs.add(e);
        }
        doc.put("chunks", cs);
      }
      Output.json(out(), doc);
      return ExitCode.OK;
    }
    PrintWriter out = out();
    out.println("version:  " + v.id());
    out.println("created:  " + Output.time(v.createdAt()) + " UTC");
    out.println("file:     " + v.originalFileName().orElse("(stdin)"));
    out.println("format:   " + v.format());
    out.println("size:     " + Table.bytes(v.size()) + " (" + v.size() + " bytes)");
    out.println("stored:   " + Table.bytes(v.storedBytesAdded()) + " added by this version");
    out.println("sha256:   " + v.fileSha256().hex());
    if (!v.aliases().isEmpty()) {
      out.println(
          "aliases:  " + String.join(", ", v.aliases().stream().map(a -> a.value()).toList()));
    }
    v.note().ifPresent(n -> out.println("note:     " + n));
    v.params().forEach((k, val) -> out.println("param:    " + k + " = " + val));
    v.metrics().forEach((k, val) -> out.println("metric:   " + k + " = " + Output.number(val)));
    if (m != null) {
      out.println();
      if (m.tensors().isEmpty()) {
        out.println("(no tensor table: the file is not a checkpoint modelstash can read)");
      } else {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "DTYPE", "SHAPE", "BYTES"});
        for (Manifest.TensorEntry t : m.tensors()) {
          rows.add(
              new String[] {
                t.name().isEmpty() ? "(root)" : t.name(),
                t.dtype(),
                InspectCommand.shapeText(t.shape()),
                Long.toString(t.nbytes())
              });
        }
        Table.print(out, rows, new boolean[] {false, false, false, true});
      }
    }
    if (chunks) {
      out.println();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"HOLDS", "DTYPE", "CHUNK", "RAW", "STORED", "CODEC", "BASE"});
      for (ModelStash.ChunkUse c : uses) {
        rows.add(
            new String[] {
              c.segment(),
              c.dtype(),
              c.id().shortHex(12),
              Long.toString(c.rawLength()),
              Long.toString(c.storedSize()),
              Codecs.name(c.codec()),
              c.base().map(b -> b.shortHex(12)).orElse("-")
            });
      }
      Table.print(out, rows, new boolean[] {false, false, false, true, true, false, false});
    }
    return ExitCode.OK;
  }
}
