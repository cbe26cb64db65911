package io.modelstash.store.blob;

import io.modelstash.store.name.Digest;
import java.time.Instant;

/**
 * What a listing says about one stored object.
 *
 * @param kind its namespace
 * @param id its name
 * @param size its length in bytes
 * @param lastModified when it was written (garbage collection measures ages from this)
 */
public record BlobInfo(BlobKind kind, Digest id, long size, Instant lastModified) {
  /** Checks for nulls and a negative size. */
  public BlobInfo {
    if (kind == null || id == null || lastModified == null) {
      throw new NullPointerException();
    }
    if (size < 0) {
      throw new IllegalArgumentException("size " + size + " < 0");
    }
  }
}
