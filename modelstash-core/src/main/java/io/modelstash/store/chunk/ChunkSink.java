package io.modelstash.store.chunk;

import java.io.IOException;

/** Receives chunks, in input order, from {@link Chunker#split(java.io.InputStream, ChunkSink)}. */
@FunctionalInterface
public interface ChunkSink {
  /** Takes one chunk; the array is the sink's to keep. */
  void accept(byte[] chunk) throws IOException;
}
