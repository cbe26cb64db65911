package io.modelstash.store.lifecycle;

import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.MissingBlobException;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.NewVersion;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.SweepFence;
import io.modelstash.store.catalog.SweptObjectException;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies every version of one store into another (a local store into a team store, or back),
 * keeping version numbers, commit times, metadata and aliases.
 *
 * <p>Each version is copied in the order of the write protocol: its chunks (with the delta bases
 * they need) and its manifest into the target's blob store, skipping objects already there, then
 * one catalog transaction that records it under its original number. An interrupted migration
 * therefore leaves only whole versions behind, and running it again skips them and the objects
 * already copied: it resumes where it stopped. A version the target already holds under the same
 * number with different content is a conflict, and the migration stops before changing anything for
 * it. The source is only read.
 */
public final class Migrator {

  /** How many times a version is copied again after a sweep in the target removed its objects. */
  private static final int ATTEMPTS = 5;

  /** What a migration did to one version, reported as it goes. */
  public enum Outcome {
    COPIED,
    ALREADY_THERE
  }

  /** Receives progress; called from the migrating thread. */
  public interface Listener {
    /** Called once per version of the source, oldest first within a path. */
    void version(VersionId id, Outcome outcome, long bytesCopied);
  }

  /**
   * What a migration did.
   *
   * @param copied versions recorded in the target
   * @param skipped versions the target already had with the same content
   * @param objects objects written to the target (chunks, manifests, version records)
   * @param bytes bytes of the chunks and manifests copied
   * @param aliases aliases set in the target
   */
  public record Report(long copied, long skipped, long objects, long bytes, long aliases) {}

  private final Catalog fromCatalog;
  private final BlobStore fromBlobs;
  private final Catalog toCatalog;
  private final BlobStore toBlobs;
  private final int threads;
  private final AtomicLong objects = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  /**
   * @param threads how many objects are copied at once (object stores reward parallel requests)
   */
  public Migrator(
      Catalog fromCatalog, BlobStore fromBlobs, Catalog toCatalog, BlobStore toBlobs, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, was " + threads);
    }
    this.fromCatalog = fromCatalog;
    this.fromBlobs = fromBlobs;
    this.toCatalog = toCatalog;
    this.toBlobs = toBlobs;
    this.threads = threads;
  }

  /** Copies every version, then every alias. */
  public Report run(Listener listener) throws IOException {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "modelstash-migrate");
              t.setDaemon(true);
              return t;
            });
    long copied = 0;
    long skipped = 0;
    long aliases = 0;
    try {
      for (PathSummary p : fromCatalog.listPaths()) {
        List<VersionInfo> versions = new ArrayList<>(fromCatalog.log(p.path()));
        Collections.reverse(versions);
        for (VersionInfo v : versions) {
          long before = bytes.get();
          Outcome outcome = copy(v, pool);
          listener.version(v.id(), outcome, bytes.get() - before);
          if (outcome == Outcome.COPIED) {
            copied++;
          } else {
            skipped++;
          }
        }
        for (VersionInfo v : versions) {
          for (AliasName alias : v.aliases()) {
            toCatalog.tag(v.id(), alias);
            aliases++;
          }
        }
      }
      // Numbers of removed versions stay used: a later put in the target must not give one to
      // another file (the source's newest version, or all of a path's, may have been removed).
      for (Map.Entry<ModelPath, Long> counter : fromCatalog.versionCounters().entrySet()) {
        toCatalog.reserveNumbers(counter.getKey(), counter.getValue());
      }
    } finally {
      pool.shutdownNow();
    }
    return new Report(copied, skipped, objects.get(), bytes.get(), aliases);
  }

  private Outcome copy(VersionInfo v, ExecutorService pool) throws IOException {
    Optional<VersionInfo> there = toCatalog.resolve(v.id().toRef());
    if (there.isPresent()) {
      if (there.get().manifest().equals(v.manifest())
          && there.get().fileSha256().equals(v.fileSha256())) {
        return Outcome.ALREADY_THERE;
      }
      throw new StoreException(
          StoreException.Kind.REFUSED,
          "Cannot migrate "
              + v.id()
              + ": the target already has a different "
              + v.id()
              + " (migrate into an empty store, or remove that path there first)");
    }
    SweptObjectException swept = null;
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (swept != null) {
        GarbageCollector.awaitSettled(toCatalog, swept.generation());
      }
      // Taken before any object is looked up or written in the target, as a put does.
      SweepFence fence = toCatalog.sweepFence();
      try {
        commit(v, fence, pool);
        return Outcome.COPIED;
      } catch (SweptObjectException e) {
        swept = e;
      }
    }
    throw new StoreException(
        StoreException.Kind.STORE,
        "Cannot migrate "
            + v.id()
            + ": garbage collection in the target removed objects it had copied, "
            + ATTEMPTS
            + " times in a row; run the migration again when gc is done");
  }

  private void commit(VersionInfo v, SweepFence fence, ExecutorService pool) throws IOException {
    Map<Digest, ChunkInfo> chunks = new LinkedHashMap<>();
    for (ChunkInfo c : fromCatalog.versionChunks(v.id())) {
      chunks.put(c.id(), c);
    }
    // A delta decodes against its base, which the version must then keep alive in the target
    // even when the version that wrote the base is not there (removed in the source).
    Set<Digest> bases = new HashSet<>();
    for (ChunkInfo c : chunks.values()) {
      c.base().filter(b -> !chunks.containsKey(b)).ifPresent(bases::add);
    }
    bases.removeAll(toCatalog.liveChunks(bases));
    Map<Digest, ChunkInfo> records = fromCatalog.liveChunkInfos(bases);
    for (Digest b : bases) {
      ChunkInfo record = records.get(b);
      if (record == null) {
        throw new StoreException(
            StoreException.Kind.CORRUPT,
            "Cannot migrate "
                + v.id()
                + ": its delta base chunk "
                + b
                + " is missing from the source catalog (run 'modelstash verify')");
      }
      chunks.put(b, record);
    }
    List<Future<Void>> copies = new ArrayList<>();
    for (Digest id : chunks.keySet()) {
      copies.add(pool.submit(() -> copyObject(BlobKind.CHUNK, id, v.id())));
    }
    copies.add(pool.submit(() -> copyObject(BlobKind.MANIFEST, v.manifest(), v.id())));
    await(copies);
    VersionId id = v.id();
    toCatalog.recoverVersion(
        new NewVersion(
                id.path(),
                v.fileSha256(),
                v.size(),
                v.storedBytesAdded(),
                v.manifest(),
                v.format(),
                v.originalFileName(),
                v.note(),
                v.params(),
                v.metrics(),
                new ArrayList<>(chunks.values()))
            .withFence(fence),
        id.number(),
        v.createdAt());
    VersionRecords.write(
        toBlobs,
        new VersionRecord(VersionRecord.Event.COMMITTED, id, v.manifest(), v.createdAt()),
        "Migrated " + id);
    objects.incrementAndGet();
  }

  private Void copyObject(BlobKind kind, Digest id, VersionId of) throws IOException {
    if (toBlobs.exists(kind, id)) {
      return null;
    }
    long size;
    try {
      size = fromBlobs.size(kind, id);
    } catch (MissingBlobException e) {
      throw new StoreException(
          StoreException.Kind.CORRUPT,
          "Cannot migrate "
              + of
              + ": "
              + kind.name().toLowerCase(java.util.Locale.ROOT)
              + " "
              + id
              + " is missing from the source (run 'modelstash verify' there)",
          e);
    }
    try (InputStream in = fromBlobs.open(kind, id)) {
      toBlobs.put(kind, id, in, size);
    }
    objects.incrementAndGet();
    bytes.addAndGet(size);
    return null;
  }

  private static void await(List<Future<Void>> futures) throws IOException {
    IOException failure = null;
    for (Future<Void> f : futures) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("Interrupted while copying objects");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (failure == null) {
          failure =
              cause instanceof IOException
                  ? (IOException) cause
                  : new IOException("Cannot copy an object: " + cause, cause);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
