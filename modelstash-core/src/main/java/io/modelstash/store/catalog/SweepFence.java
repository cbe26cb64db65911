package io.modelstash.store.catalog;

import java.time.Instant;
import java.util.Set;

/**
 * What a writer must know about garbage-collection sweeps to commit safely: taken before the writer
 * looks up or writes any chunk, and handed to {@link Catalog#commit} inside {@link NewVersion}.
 *
 * <p>A sweep that had settled (finished, or lost its lease) when the fence was taken deleted
 * everything it was going to delete before the writer started, so the writer saw its deletions. Any
 * other sweep (one still running then, or started later) may delete an object the writer relies on
 * at any moment; a commit that needs an object such a sweep removed is refused with {@link
 * SweptObjectException}.
 *
 * @param generation the newest sweep generation when the fence was taken (0 if none)
 * @param open the generations of sweeps still holding their lease when the fence was taken
 * @param takenAt the catalog's time when the fence was taken
 */
public record SweepFence(long generation, Set<Long> open, Instant takenAt) {

  /** Copies the set and checks for nulls. */
  public SweepFence {
    open = Set.copyOf(open);
    if (takenAt == null) {
      throw new NullPointerException("takenAt");
    }
  }

  /** Whether an object removed by sweep {@code sweptBy} may have vanished under the writer. */
  public boolean conflictsWith(long sweptBy) {
    return sweptBy > generation || open.contains(sweptBy);
  }

  /** The smallest generation that can conflict, for range queries. */
  public long lowestConflicting() {
    long low = generation + 1;
    for (long g : open) {
      low = Math.min(low, g);
    }
    return low;
  }
}
