package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.lifecycle.RepairReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code modelstash repair --rebuild-catalog}: rebuilds the catalog from the blob store. It does
 * not open the store normally, since the catalog may be unreadable.
 */
@Command(
    name = "repair",
    description = {
      "Rebuild a lost or damaged catalog from the stored manifests and version records.",
      "Run it while nothing else uses the store. Aliases cannot be recovered."
    })
final class RepairCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(
      names = "--rebuild-catalog",
      required = true,
      description = "Rebuild catalog.db (the old file is kept beside it).")
  boolean rebuild;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    RepairReport r = ModelStash.rebuildCatalog(main.storeDirectory());
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("recorded", r.recorded().stream().map(Object::toString).toList());
      doc.put("renumbered", r.renumbered().stream().map(Object::toString).toList());
      doc.put("removed", r.removed().stream().map(Object::toString).toList());
      doc.put("problems", r.problems());
      doc.put("previous_catalog", r.previous().map(Object::toString).orElse(null));
      doc.put("aliases_restored", false);
      Output.json(out, doc);
    } else {
      out.println(
          "rebuilt the catalog: "
              + r.recorded().size()
              + " versions with their recorded numbers, "
              + r.renumbered().size()
              + " renumbered, "
              + r.removed().size()
              + " removed ones left out");
      for (Object id : r.renumbered()) {
        out.println("  " + id + ": had no version record; numbered after the recorded ones");
      }
      r.previous().ifPresent(p -> out.println("the old catalog is kept as " + p));
      out.println(
          "aliases are kept only in the catalog and were not restored: set them again with"
              + " 'modelstash tag'");
      for (String p : r.problems()) {
        out.println("problem: " + p);
      }
    }
    out.flush();
    if (!r.problems().isEmpty()) {
      throw new UserException(
          ExitCode.CORRUPT,
          "the catalog was rebuilt, but "
              + r.problems().size()
              + " stored object(s) are missing or damaged; run 'modelstash verify --full'");
    }
    return ExitCode.OK;
  }
}
