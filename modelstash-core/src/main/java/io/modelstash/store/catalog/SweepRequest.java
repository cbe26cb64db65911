package io.modelstash.store.catalog;

import io.modelstash.store.name.Digest;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * What a garbage-collection sweep proposes to remove; {@link Catalog#beginSweep} checks every
 * candidate again inside its transaction and condemns only those that still qualify.
 *
 * @param cutoff recorded chunks whose last reference is before this may go
 * @param released recorded chunks that may go whatever their last reference (this gc run removed
 *     the versions that used them)
 * @param chunks recorded chunks proposed for removal: each goes only if it is live, no version
 *     references it, it is in {@code released} or was last referenced before {@code cutoff}, and it
 *     is not the delta base of a live chunk that stays
 * @param orphanChunks chunk objects the catalog has no live record of (left by a crashed or
 *     unfinished put): each goes only if there is still no live record
 * @param manifests manifest objects proposed for removal: each goes only if no version uses it
 */
public record SweepRequest(
    Instant cutoff,
    Set<Digest> released,
    List<Digest> chunks,
    List<Digest> orphanChunks,
    List<Digest> manifests) {

  /** Copies the collections. */
  public SweepRequest {
    if (cutoff == null) {
      throw new NullPointerException("cutoff");
    }
    released = Set.copyOf(released);
    chunks = List.copyOf(chunks);
    orphanChunks = List.copyOf(orphanChunks);
    manifests = List.copyOf(manifests);
  }
}
