package io.modelstash.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code modelstash init}: creates a store, or checks an existing one. For a team store it creates
 * or upgrades the catalog schema and checks that the bucket exists and takes writes.
 */
@Command(
    name = "init",
    description = {
      "Create the store, or check it: for a team store, create or upgrade the catalog schema and"
          + " check that the bucket exists and accepts writes.",
      "Safe to run again; it changes nothing that is already set up."
    })
final class InitCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    StoreLocation location = main.location();
    List<String> checks = Stores.init(location);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("store", location.describe());
      doc.put("checks", checks);
      Output.json(out, doc);
    } else {
      out.println("store ready: " + location.describe());
      for (String c : checks) {
        out.println("  " + c);
      }
    }
    out.flush();
    return ExitCode.OK;
  }
}
