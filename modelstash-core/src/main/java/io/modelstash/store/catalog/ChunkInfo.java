package io.modelstash.store.catalog;

import io.modelstash.store.name.Digest;
import java.util.Optional;

/**
 * What the catalog records about a stored chunk.
 *
 * @param id the chunk's name: the SHA-256 of its raw bytes
 * @param encodedSize the length of the stored chunk object
 * @param rawSize the length of its raw bytes
 * @param codec the id of the codec that encoded it
 * @param base the chunk a delta codec decodes it against, if any
 */
public record ChunkInfo(
    Digest id, long encodedSize, long rawSize, int codec, Optional<Digest> base) {

  /** Checks the values. */
  public ChunkInfo {
    if (id == null || base == null) {
      throw new NullPointerException(id == null ? "id" : "base");
    }
    if (encodedSize < 0 || rawSize < 0) {
      throw new IllegalArgumentException(
          "Chunk " + id + " has a negative size: encoded " + encodedSize + ", raw " + rawSize);
    }
    if (codec < 0 || codec > 255) {
      throw new IllegalArgumentException("Chunk " + id + " has codec id " + codec + ", not 0..255");
    }
  }

  /** A chunk stored without a base. */
  public ChunkInfo(Digest id, long encodedSize, long rawSize, int codec) {
    this(id, encodedSize, rawSize, codec, Optional.empty());
  }
}
