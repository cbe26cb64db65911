package io.modelstash.store.lifecycle;

import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.VersionId;
import java.util.List;
import java.util.Set;

/**
 * What a garbage collection removed and freed, or with {@code dryRun} would remove and free.
 *
 * @param dryRun whether nothing was changed
 * @param versions the versions removed (or that would be)
 * @param skipped versions selected for removal that gained an alias meanwhile and were kept
 * @param chunks the chunk objects deleted (or that would be)
 * @param chunkBytes their stored bytes
 * @param manifests how many manifest objects were deleted
 * @param manifestBytes their bytes
 * @param records how many version records were deleted
 * @param recordBytes their bytes
 * @param basesKept unreferenced chunks kept because a delta that stays is based on them
 */
public record GcReport(
    boolean dryRun,
    List<VersionInfo> versions,
    List<VersionId> skipped,
    Set<Digest> chunks,
    long chunkBytes,
    long manifests,
    long manifestBytes,
    long records,
    long recordBytes,
    long basesKept) {

  /** Copies the collections. */
  public GcReport {
    versions = List.copyOf(versions);
    skipped = List.copyOf(skipped);
    chunks = Set.copyOf(chunks);
  }

  /** All bytes freed (or that would be): chunks, manifests and records. */
  public long bytesFreed() {
    return chunkBytes + manifestBytes + recordBytes;
  }
}
