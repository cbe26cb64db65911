package io.modelstash.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.modelstash.format.ByteSource;
import io.modelstash.format.Checkpoint;
import io.modelstash.format.Checkpoints;
import io.modelstash.format.FormatException;
import io.modelstash.format.Tensor;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code modelstash inspect FILE}: the format and tensor table of a checkpoint file. */
@Command(
    name = "inspect",
    description = {
      "Show the format and tensors of a checkpoint file (PyTorch .pt/.pth/.bin, legacy, gzip,"
          + " safetensors) without executing anything in it."
    })
final class InspectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The checkpoint file.")
  Path file;

  @Option(
      names = "--json",
      description = "Print {\"format\", \"tensors\": [{name, dtype, shape, sha256}]} as JSON.")
  boolean json;

  @Option(names = "--sha256", description = "Add each tensor's SHA-256 to the table.")
  boolean sha;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    try (ByteSource src = Files.openChecked(file);
        Checkpoint checkpoint = Checkpoints.read(src)) {
      if (json) {
        printJson(out, checkpoint);
      } else {
        printTable(out, checkpoint);
      }
    } catch (FormatException e) {
      throw new UserException(ExitCode.BAD_INPUT, file + ": " + e.getMessage());
    }
    out.flush();
    return ExitCode.OK;
  }

  private static void printJson(PrintWriter out, Checkpoint c) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("format", c.format());
    List<Map<String, Object>> tensors = new ArrayList<>();
    for (Tensor t : c.tensors()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", t.name());
      m.put("dtype", t.dtype().torchName());
      m.put("shape", t.shape());
      m.put("sha256", t.sha256());
      tensors.add(m);
    }
    doc.put("tensors", tensors);
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    out.println(mapper.writeValueAsString(doc));
  }

  private void printTable(PrintWriter out, Checkpoint c) throws IOException {
    out.println("format: " + c.format());
    if (!c.metadata().isEmpty()) {
      out.println("metadata: " + c.metadata());
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(
        sha
            ? new String[] {"NAME", "DTYPE", "SHAPE", "BYTES", "SHA256"}
            : new String[] {"NAME", "DTYPE", "SHAPE", "BYTES"});
    long elements = 0;
    long bytes = 0;
    Map<Object, Boolean> storages = new IdentityHashMap<>();
    long storageBytes = 0;
    for (Tensor t : c.tensors()) {
      String shape = shapeText(t.shape());
      String[] row =
          sha
              ? new String[] {
                display(t.name()),
                t.dtype().torchName(),
                shape,
                Long.toString(t.nbytes()),
                t.sha256()
              }
              : new String[] {
                display(t.name()), t.dtype().torchName(), shape, Long.toString(t.nbytes())
              };
      rows.add(row);
      elements += t.numel();
      bytes += t.nbytes();
      if (storages.put(t.storage(), Boolean.TRUE) == null) {
        storageBytes += t.storage().nbytes();
      }
    }
    Table.print(out, rows, new boolean[] {false, false, false, true, false});
    out.printf(
        "%d tensors, %d elements, %s in tensors, %s in %d storages%n",
        c.tensors().size(),
        elements,
        Table.bytes(bytes),
        Table.bytes(storageBytes),
        storages.size());
  }

  private static String display(String name) {
    return name.isEmpty() ? "(root)" : name;
  }

  static String shapeText(long[] shape) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(shape[i]);
    }
    return sb.append(']').toString();
  }
}
