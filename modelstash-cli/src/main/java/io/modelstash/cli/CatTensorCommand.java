package io.modelstash.cli;

import io.modelstash.store.ModelStash;
import io.modelstash.store.query.Npy;
import io.modelstash.store.query.StoredTensor;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code modelstash cat-tensor REF NAME -o FILE.npy}: one tensor as a NumPy file. */
@Command(
    name = "cat-tensor",
    description = {
      "Write one tensor of a version as a NumPy .npy file, reading only its chunks.",
      "bfloat16 and float8 have no NumPy dtype: add --as float32 (exact for them)."
    })
final class CatTensorCommand extends StoreCommand {
  @Parameters(index = "0", paramLabel = "REF")
  String ref;

  @Parameters(index = "1", paramLabel = "NAME", description = "As 'modelstash tensors' lists it.")
  String name;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "The .npy file to write, or '-' for standard output.")
  String output;

  @Option(
      names = "--as",
      paramLabel = "DTYPE",
      description = "Convert the elements; only float32 is supported.")
  String as;

  @Option(names = "--force", description = "Replace FILE if it exists.")
  boolean force;

  @Override
  int run(ModelStash stash) throws IOException {
    if (as != null && !as.equals("float32")) {
      throw new UserException(
          ExitCode.USAGE, "Invalid --as '" + as + "': only float32 is supported");
    }
    StoredTensor t = stash.tensor(ref(ref), name.equals("(root)") ? "" : name);
    boolean asFloat32 = as != null;
    if (output.equals("-")) {
      OutputStream os = new BufferedOutputStream(main.io.stdout(), 1 << 20);
      Npy.write(t, os, asFloat32);
      os.flush();
      return ExitCode.OK;
    }
    Path out = main.io.path(output).toAbsolutePath();
    if (Files.exists(out) && !force) {
      throw new UserException(
          ExitCode.IO, "Cannot write " + out + ": it exists (use --force to replace it)");
    }
    if (!Files.isDirectory(out.getParent())) {
      throw new UserException(
          ExitCode.IO, "Cannot write " + out + ": no directory " + out.getParent());
    }
    Path tmp = Files.createTempFile(out.getParent(), "." + out.getFileName(), ".part");
    boolean ok = false;
    try {
      try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
        Npy.write(t, os, asFloat32);
      }
      Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      ok = true;
    } finally {
      if (!ok) {
        Files.deleteIfExists(tmp);
      }
    }
    return ExitCode.OK;
  }
}
