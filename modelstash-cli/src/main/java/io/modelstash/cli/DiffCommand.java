package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.query.TensorChange;
import io.modelstash.store.query.VersionDiff;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash diff REF1 REF2}: tensor-by-tensor changes, read from stored chunks. */
@Command(
    name = "diff",
    description = {
      "Compare two versions tensor by tensor, without restoring the files.",
      "Shows tensors added, removed, changed in dtype or shape, and for changed values the"
          + " fraction of elements that differ, the largest absolute difference and the relative"
          + " L2 change; and the stored bytes the versions share."
    })
final class DiffCommand extends StoreCommand {
  @Parameters(index = "0", paramLabel = "REF1")
  String from;

  @Parameters(index = "1", paramLabel = "REF2")
  String to;

  @Option(names = "--json", description = "Print JSON (every tensor, unchanged ones included).")
  boolean json;

  @Override
  int run(ModelStash stash) throws IOException {
    VersionDiff d = stash.diff(ref(from), ref(to));
    if (json) {
      Map<String, Object> doc = new LinkedHashMap<>();
      doc.put("from", d.from().id().toString());
      doc.put("to", d.to().id().toString());
      List<Map<String, Object>> tensors = new ArrayList<>();
      for (TensorChange c : d.tensors()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("status", status(c.status()));
        m.put("from_dtype", c.fromDtype().orElse(null));
        m.put("from_shape", c.fromShape().orElse(null));
        m.put("to_dtype", c.toDtype().orElse(null));
        m.put("to_shape", c.toShape().orElse(null));
        m.put("elements", c.elements().isPresent() ? c.elements().getAsLong() : null);
        m.put("differing", c.differing().isPresent() ? c.differing().getAsLong() : null);
        m.put("fraction_differing", orNull(c.fractionDiffering()));
        m.put("max_abs_diff", c.maxAbsDiff().orElse(null));
        m.put("relative_l2", orNull(c.relativeL2()));
        tensors.add(m);
      }
      doc.put("tensors", tensors);
      Map<String, Object> stored = new LinkedHashMap<>();
      stored.put("from_bytes", d.fromStoredBytes());
      stored.put("to_bytes", d.toStoredBytes());
      stored.put("shared_bytes", d.sharedStoredBytes());
      doc.put("stored", stored);
      Output.json(out(), doc);
      return ExitCode.OK;
    }
    PrintWriter out = out();
    out.println(d.from().id() + " -> " + d.to().id());
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {"TENSOR", "CHANGE", "DTYPE", "SHAPE", "DIFFERING", "MAX |DIFF|", "REL L2"});
    int same = 0;
    for (TensorChange c : d.tensors()) {
      if (c.status() == TensorChange.Status.SAME) {
        same++;
        continue;
      }
      String dtype =
          c.fromDtype().isPresent() && c.toDtype().isPresent() && !c.fromDtype().equals(c.toDtype())
              ? c.fromDtype().get() + " -> " + c.toDtype().get()
              : c.toDtype().or(c::fromDtype).orElse("");
      String shape =
          c.status() == TensorChange.Status.SHAPE_CHANGED
              ? InspectCommand.shapeText(c.fromShape().get())
                  + " -> "
                  + InspectCommand.shapeText(c.toShape().get())
              : InspectCommand.shapeText(c.toShape().or(c::fromShape).orElse(new long[0]));
      rows.add(
          new String[] {
            c.name().isEmpty() ? "(root)" : c.name(),
            status(c.status()),
            dtype,
            shape,
            c.fractionDiffering().isPresent()
                ? String.format(Locale.ROOT, "%.2f%%", 100 * c.fractionDiffering().getAsDouble())
                : "",
            c.maxAbsDiff().map(DiffCommand::number).orElse(""),
            c.relativeL2().isPresent()
                ? String.format(Locale.ROOT, "%.3g", c.relativeL2().getAsDouble())
                : (c.status() == TensorChange.Status.CHANGED ? "inf" : "")
          });
    }
    if (rows.size() > 1) {
      Table.print(out, rows, new boolean[] {false, false, false, false, true, true, true});
    }
    out.println(
        same
            + " tensor"
            + (same == 1 ? "" : "s")
            + " unchanged"
            + (d.tensors().isEmpty() ? " (the files have no tensor table)" : ""));
    out.println(
        "stored: "
            + Table.bytes(d.fromStoredBytes())
            + " and "
            + Table.bytes(d.toStoredBytes())
            + ", of which "
            + Table.bytes(d.sharedStoredBytes())
            + " shared");
    return ExitCode.OK;
  }

  static String status(TensorChange.Status s) {
    return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static Double orNull(OptionalDouble d) {
    return d.isPresent() ? d.getAsDouble() : null;
  }

  private static String number(Number n) {
    if (n instanceof Double) {
      return String.format(Locale.ROOT, "%.3g", n.doubleValue());
    }
    return n.toString();
  }
}
