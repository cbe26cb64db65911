package io.modelstash.format.pickle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The torch-made pickles under src/test/resources/pickle (see make_pickles.py there). */
final class TorchFiles {
  private TorchFiles() {}

  static byte[] read(String name) {
    try (InputStream in = TorchFiles.class.getResourceAsStream("/pickle/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource pickle/" + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
