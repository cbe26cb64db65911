package io.modelstash.format.zip;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The test files under {@code src/test/resources/zip/}; see {@code make.py} there. */
final class ZipTestFiles {
  /** Written by torch.save (PyTorch 1.13.1) to a path and to a buffer. */
  static final List<String> TORCH = List.of("torch-path.pt", "torch-buffer.pt");

  /** Written by Python's zipfile: deflated entries, descriptors, ZIP64 local fields. */
  static final List<String> PYTHON = List.of("python-deflate.zip", "python-stream.zip");

  static final List<String> ALL =
      List.of("torch-path.pt", "torch-buffer.pt", "python-deflate.zip", "python-stream.zip");

  private ZipTestFiles() {}

  static byte[] bytes(String name) {
    try (InputStream in = ZipTestFiles.class.getResourceAsStream("/zip/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource zip/" + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
