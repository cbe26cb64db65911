package io.modelstash.cli;

import io.modelstash.format.ByteSource;
import java.io.IOException;
import java.nio.file.Path;

/** Opens user-named files with messages that say what was wrong. */
final class Files {
  private Files() {}

  static ByteSource openChecked(Path file) throws IOException {
    if (!java.nio.file.Files.exists(file)) {
      throw new UserException(ExitCode.IO, "No such file: " + file);
    }
    if (java.nio.file.Files.isDirectory(file)) {
      throw new UserException(ExitCode.IO, "Cannot read " + file + ": it is a directory");
    }
    if (!java.nio.file.Files.isReadable(file)) {
      throw new UserException(ExitCode.IO, "Cannot read " + file + ": permission denied");
    }
    return ByteSource.open(file);
  }
}
