package io.modelstash.format;

import java.io.IOException;
import java.io.OutputStream;

/** Writes a payload of a size announced in advance, so writers can stream large tensors. */
@FunctionalInterface
public interface DataWriter {
  /** Writes exactly the announced number of bytes to {@code out}. Must not close it. */
  void writeTo(OutputStream out) throws IOException;

  static DataWriter of(byte[] bytes) {
    return out -> out.write(bytes);
  }
}
