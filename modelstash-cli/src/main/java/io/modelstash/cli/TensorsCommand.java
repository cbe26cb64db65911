package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.query.StoredTensor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash tensors REF}: the tensors of a stored version. */
@Command(name = "tensors", description = "List the tensors of a version.")
final class TensorsCommand extends StoreCommand {
  @Parameters(paramLabel = "REF")
  String ref;

  @Option(names = "--json", description = "Print JSON.")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    List<StoredTensor> tensors = stash.tensors(ref(ref));
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (StoredTensor t : tensors) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", t.name());
        m.put("dtype", t.dtypeName());
        m.put("shape", t.shape());
        m.put("bytes", t.nbytes());
        m.put("readable", t.isReadable());
        rows.add(m);
      }
      Output.json(out(), rows);
      return ExitCode.OK;
    }
    if (tensors.isEmpty()) {
      err().println("(no tensor table: the file is not a checkpoint modelstash can read)");
      return ExitCode.OK;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "DTYPE", "SHAPE", "BYTES"});
    boolean unreadable = false;
    for (StoredTensor t : tensors) {
      unreadable |= !t.isReadable();
      rows.add(
          new String[] {
            (t.name().isEmpty() ? "(root)" : t.name()) + (t.isReadable() ? "" : " *"),
            t.dtypeName(),
            InspectCommand.shapeText(t.shape()),
            Long.toString(t.nbytes())
          });
    }
    Table.print(out(), rows, new boolean[] {false, false, false, true});
    if (unreadable) {
      out().println("* cannot be read on its own (restore the file with 'modelstash get')");
    }
    return ExitCode.OK;
  }
}
