package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.lifecycle.VerifyReport;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash verify}: checks stored data; exit code 7 when anything is wrong. */
@Command(
    name = "verify",
    description = {
      "Check that every version can be restored.",
      "By default: every chunk a version uses is stored with its recorded size, and every"
          + " manifest exists. --full also decodes every chunk (SHA-256) and rebuilds every file."
    })
final class VerifyCommand extends StoreCommand {
  @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "Only versions under this path.")
  String prefix;

  @Option(names = "--full", description = "Decode every chunk and rebuild every file's SHA-256.")
  boolean full;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    VerifyReport r = stash.verify(Optional.ofNullable(prefix).map(StoreCommand::path), full);
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("ok", r.ok());
      doc.put("full", r.full());
      doc.put("versions", r.versions());
      doc.put("chunks", r.chunks());
      doc.put("problems", problems(r.problems()));
      doc.put("warnings", problems(r.warnings()));
      Output.json(out(), doc);
    } else {
      PrintWriter out = out();
      out.println(
          "checked "
              + r.versions()
              + " versions and "
              + r.chunks()
              + " chunks"
              + (r.full() ? " (decoded every chunk and rebuilt every file)" : " (sizes only)"));
      for (VerifyReport.Problem p : r.problems()) {
        print(out, "problem", p);
      }
      for (VerifyReport.Problem p : r.warnings()) {
        print(out, "warning", p);
      }
      if (r.ok()) {
        out.println("ok");
      }
    }
    out().flush();
    if (!r.ok()) {
      throw new UserException(
          ExitCode.CORRUPT,
          "verify found "
              + r.problems().size()
              + " problem"
              + (r.problems().size() == 1 ? "" : "s")
              + " (restores of the versions named fail rather than return wrong bytes)");
    }
    return ExitCode.OK;
  }

  private static void print(PrintWriter out, String what, VerifyReport.Problem p) {
    out.println(what + ": " + p.message());
    if (!p.versions().isEmpty()) {
      List<String> ids = new ArrayList<>();
      for (VersionId id : p.versions()) {
        ids.add(id.toString());
      }
      out.println("  affects " + String.join(", ", ids));
    }
  }

  private static List<Map<String, Object>> problems(List<VerifyReport.Problem> ps) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (VerifyReport.Problem p : ps) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", p.kind().name().toLowerCase(Locale.ROOT).replace('_', '-'));
      m.put("object", p.object());
      m.put("message", p.message());
      m.put("versions", p.versions().stream().map(Object::toString).toList());
      out.add(m);
    }
    return out;
  }
}
