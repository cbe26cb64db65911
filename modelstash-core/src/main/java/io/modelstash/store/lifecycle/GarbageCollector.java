package io.modelstash.store.lifecycle;

import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.ChunkRecord;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.RemoveResult;
import io.modelstash.store.catalog.Sweep;
import io.modelstash.store.catalog.SweepRequest;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Removes versions by retention rules and deletes the chunks, manifests and version records that no
 * version needs any more. A dry run computes the same plan and changes nothing; without concurrent
 * writers a real run frees exactly what the dry run reported.
 *
 * <p>What goes:
 *
 * <ul>
 *   <li>versions the {@link RetentionPolicy} selects (never aliased ones);
 *   <li>chunks only those versions used (at once, whatever their age), chunks no version has used
 *       for longer than the grace period, and chunk objects the catalog never recorded (left by a
 *       crashed put) whose file is older than the grace period — except a chunk that is the delta
 *       base of a chunk that stays;
 *   <li>manifests of removed versions, and manifests no version uses that are older than the grace
 *       period;
 *   <li>version records whose manifest no version uses and that is gone (or going now).
 * </ul>
 *
 * <p>Safety under concurrent puts is argued in the package documentation: chunks and manifests are
 * condemned in a catalog transaction before they are deleted, and commits that needed them are
 * refused and redone.
 */
public final class GarbageCollector {
  private final Catalog catalog;
  private final BlobStore blobs;
  private final Clock clock;

  public GarbageCollector(Catalog catalog, BlobStore blobs, Clock clock) {
    this.catalog = catalog;
    this.blobs = blobs;
    this.clock = clock;
  }

  /** What a run would do, computed from one look at the catalog and the blob store. */
  private record Plan(
      List<VersionInfo> versions,
      Instant cutoff,
      Set<Digest> released,
      List<Digest> recordedChunks,
      List<Digest> orphanChunks,
      Set<Digest> chunks,
      long chunkBytes,
      Map<Digest, Long> chunkSizes,
      List<Digest> manifests,
      Map<Digest, Long> manifestSizes,
      Set<Digest> manifestsPresent,
      Set<Digest> liveManifests,
      List<VersionRecords.Stored> records,
      long basesKept) {}

  /** Runs garbage collection as {@code options} say. */
  public GcReport run(GcOptions options) throws IOException {
    Instant now = clock.instant();
    Plan plan = plan(options, now);
    if (options.dryRun()) {
      Set<Digest> manifests = new HashSet<>(plan.manifests());
      long[] records = recordsToDelete(plan, manifests, new ArrayList<>());
      return new GcReport(
          true,
          plan.versions(),
          List.of(),
          plan.chunks(),
          plan.chunkBytes(),
          manifests.size(),
          sum(plan.manifestSizes(), manifests),
          records[0],
          records[1],
          plan.basesKept());
    }
    List<VersionInfo> removed = new ArrayList<>();
    List<VersionId> skipped = new ArrayList<>();
    for (VersionInfo v : plan.versions()) {
      RemoveResult r = catalog.removeVersion(v.id(), false);
      if (r == RemoveResult.REMOVED) {
        removed.add(v);
        VersionRecords.write(
            blobs,
            new VersionRecord(VersionRecord.Event.REMOVED, v.id(), v.manifest(), clock.instant()),
            "Removed " + v.id());
      } else if (r == RemoveResult.ALIASED) {
        skipped.add(v.id());
      }
    }
    Sweep sweep =
        catalog.beginSweep(
            new SweepRequest(
                plan.cutoff(),
                plan.released(),
                plan.recordedChunks(),
                plan.orphanChunks(),
                plan.manifests()));
    Set<Digest> chunks = new HashSet<>();
    long chunkBytes = 0;
    Set<Digest> manifests = new HashSet<>();
    long manifestBytes = 0;
    Lease lease = new Lease(sweep.generation());
    try {
      for (Digest d : sweep.chunks()) {
        lease.check();
        if (blobs.delete(BlobKind.CHUNK, d)) {
          chunks.add(d);
          chunkBytes += plan.chunkSizes().getOrDefault(d, 0L);
        }
      }
      for (Digest m : sweep.manifests()) {
        lease.check();
        if (blobs.delete(BlobKind.MANIFEST, m)) {
          manifests.add(m);
          manifestBytes += plan.manifestSizes().getOrDefault(m, 0L);
        }
      }
    } finally {
      catalog.finishSweep(sweep.generation());
    }
    List<Digest> recordIds = new ArrayList<>();
    recordsToDelete(plan, new HashSet<>(sweep.manifests()), recordIds);
    long records = 0;
    long recordBytes = 0;
    Map<Digest, Long> recordSizes = new HashMap<>();
    for (VersionRecords.Stored s : plan.records()) {
      recordSizes.put(s.blob().id(), s.blob().size());
    }
    for (Digest r : recordIds) {
      if (blobs.delete(BlobKind.RECORD, r)) {
        records++;
        recordBytes += recordSizes.get(r);
      }
    }
    return new GcReport(
        false,
        removed,
        skipped,
        chunks,
        chunkBytes,
        manifests.size(),
        manifestBytes,
        records,
        recordBytes,
        plan.basesKept());
  }

  private Plan plan(GcOptions options, Instant now) throws IOException {
    List<VersionInfo> doomed = new ArrayList<>();
    if (options.retention().hasRules()) {
      List<PathSummary> paths =
          options.prefix().isPresent()
              ? catalog.listPaths(options.prefix().get())
              : catalog.listPaths();
      for (PathSummary p : paths) {
        doomed.addAll(options.retention().select(catalog.log(p.path()), now));
      }
    }
    Instant cutoff = now.minus(options.grace());

    // Chunks only the doomed versions use.
    Map<Digest, Long> usesByDoomed = new HashMap<>();
    for (VersionInfo v : doomed) {
      for (ChunkInfo c : catalog.versionChunks(v.id())) {
        usesByDoomed.merge(c.id(), 1L, Long::sum);
      }
    }
    Set<Digest> released = new HashSet<>();
    for (Map.Entry<Digest, Long> e : catalog.referenceCounts(usesByDoomed.keySet()).entrySet()) {
      if (e.getValue().equals(usesByDoomed.get(e.getKey()))) {
        released.add(e.getKey());
      }
    }
    Set<Digest> recorded = new LinkedHashSet<>(released);
    for (ChunkRecord r : catalog.unreferencedChunks()) {
      if (r.lastReferencedAt().isBefore(cutoff)) {
        recorded.add(r.info().id());
      }
    }

    Map<Digest, BlobInfo> chunkBlobs = listing(BlobKind.CHUNK);
    Set<Digest> live = catalog.liveChunks(chunkBlobs.keySet());
    List<Digest> orphans = new ArrayList<>();
    for (BlobInfo b : chunkBlobs.values()) {
      if (!live.contains(b.id()) && b.lastModified().isBefore(cutoff)) {
        orphans.add(b.id());
      }
    }

    // A chunk stays while a delta that stays is based on it.
    Map<Digest, List<Digest>> dependents = new HashMap<>();
    for (ChunkInfo d : catalog.deltaChunks()) {
      dependents.computeIfAbsent(d.base().orElseThrow(), k -> new ArrayList<>()).add(d.id());
    }
    Set<Digest> condemned = new LinkedHashSet<>(recorded);
    condemned.addAll(orphans);
    long basesKept = 0;
    for (boolean changed = true; changed; ) {
      changed = false;
      for (Digest d : new ArrayList<>(condemned)) {
        for (Digest dep : dependents.getOrDefault(d, List.of())) {
          if (!condemned.contains(dep)) {
            condemned.remove(d);
            basesKept++;
            changed = true;
            break;
          }
        }
      }
    }
    Set<Digest> chunks = new HashSet<>();
    long chunkBytes = 0;
    Map<Digest, Long> chunkSizes = new HashMap<>();
    for (Digest d : condemned) {
      BlobInfo b = chunkBlobs.get(d);
      if (b != null) {
        chunks.add(d);
        chunkBytes += b.size();
        chunkSizes.put(d, b.size());
      }
    }

    Map<Digest, BlobInfo> manifestBlobs = listing(BlobKind.MANIFEST);
    Set<Digest> doomedManifests = new HashSet<>();
    for (VersionInfo v : doomed) {
      doomedManifests.add(v.manifest());
    }
    Set<Digest> liveManifests = new HashSet<>(catalog.referencedManifests());
    liveManifests.removeAll(doomedManifests);
    List<Digest> manifests = new ArrayList<>();
    Map<Digest, Long> manifestSizes = new HashMap<>();
    for (BlobInfo b : manifestBlobs.values()) {
      manifestSizes.put(b.id(), b.size());
      if (!liveManifests.contains(b.id())
          && (doomedManifests.contains(b.id()) || b.lastModified().isBefore(cutoff))) {
        manifests.add(b.id());
      }
    }
    // Records are read after the manifests in use: a record in this listing was written after
    // its commit, so the version it records is among them unless it is gone.
    List<VersionRecords.Stored> records = VersionRecords.readAll(blobs);
    liveManifests = new HashSet<>(catalog.referencedManifests());
    liveManifests.removeAll(doomedManifests);
    return new Plan(
        doomed,
        cutoff,
        released,
        new ArrayList<>(recorded),
        orphans,
        chunks,
        chunkBytes,
        chunkSizes,
        manifests,
        manifestSizes,
        manifestBlobs.keySet(),
        liveManifests,
        records,
        basesKept);
  }

  /**
   * The records to delete once {@code condemnedManifests} are gone: those whose manifest no version
   * uses and that no longer exists.
   *
   * @return {count, bytes}
   */
  private static long[] recordsToDelete(
      Plan plan, Set<Digest> condemnedManifests, List<Digest> out) {
    long count = 0;
    long bytes = 0;
    for (VersionRecords.Stored s : plan.records()) {
      if (s.record() == null) {
        continue;
      }
      Digest m = s.record().manifest();
      boolean gone = condemnedManifests.contains(m) || !plan.manifestsPresent().contains(m);
      if (!plan.liveManifests().contains(m) && gone) {
        out.add(s.blob().id());
        count++;
        bytes += s.blob().size();
      }
    }
    return new long[] {count, bytes};
  }

  private Map<Digest, BlobInfo> listing(BlobKind kind) throws IOException {
    Map<Digest, BlobInfo> out = new HashMap<>();
    try (Stream<BlobInfo> s = blobs.list(kind)) {
      s.forEach(b -> out.put(b.id(), b));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return out;
  }

  private static long sum(Map<Digest, Long> sizes, Set<Digest> ids) {
    long n = 0;
    for (Digest d : ids) {
      n += sizes.getOrDefault(d, 0L);
    }
    return n;
  }

  /** The sweeper's side of the lease protocol described on {@link Sweep}. */
  private final class Lease {
    private final long generation;
    private long renewedAt = System.nanoTime();

    Lease(long generation) {
      this.generation = generation;
    }

    /** Renews the lease when due; refuses to go on once it may have expired. */
    void check() throws IOException {
      long since = System.nanoTime() - renewedAt;
      if (since < Sweep.RENEW_EVERY.toNanos()) {
        return;
      }
      if (since > Sweep.DELETE_WITHIN.toNanos() || !catalog.renewSweep(generation)) {
        throw new StoreException(
            StoreException.Kind.STORE,
            "Cannot finish garbage collection: sweep "
                + generation
                + " lost its lease (the process stalled for over "
                + Sweep.DELETE_WITHIN.toSeconds()
                + " s); nothing is lost, run gc again");
      }
      renewedAt = System.nanoTime();
    }
  }

  /** Waits until sweep {@code generation} has settled: finished, or no longer holding its lease. */
  public static void awaitSettled(Catalog catalog, long generation) throws IOException {
    while (catalog.sweepFence().open().contains(generation)) {
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for a gc sweep to finish");
      }
    }
  }
}
