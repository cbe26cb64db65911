package io.modelstash.store.chunk;

import io.modelstash.store.name.Digest;
import java.io.IOException;

/**
 * Fetches the raw bytes of the base chunk a delta-encoded chunk was written against. The engine
 * implements it by reading and decoding the base chunk from the blob store; since delta depth is at
 * most 1, that base is never itself a delta.
 */
@FunctionalInterface
public interface BaseLoader {

  /**
   * The raw bytes of chunk {@code base}. They need not be re-hashed: a delta decoded against the
   * wrong bytes fails the SHA-256 check of its own result.
   *
   * @throws IOException if the base cannot be read
   */
  byte[] load(Digest base) throws IOException;
}
