package io.modelstash.store.lifecycle;

import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.blob.MissingBlobException;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.NewVersion;
import io.modelstash.store.engine.Engine;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.manifest.ManifestCodec;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Fills an empty catalog from the blob store alone: versions from manifests, numbered by version
 * records; chunk records from the chunk objects' headers.
 *
 * <ul>
 *   <li>A manifest with a {@code committed} record gets that record's number and commit time,
 *       unless a {@code removed} record says the version was removed.
 *   <li>A manifest without any record is a version whose record was never written (a crash right
 *       after its commit) or a put that crashed after writing its manifest: either way its file can
 *       be rebuilt, so it becomes a version, numbered after every recorded number of its path
 *       (removed ones included), in the order the manifests were written.
 *   <li>Numbers of removed versions stay reserved.
 *   <li>Aliases are not recorded outside the catalog and are lost; stored bytes added are
 *       recomputed as if the versions had been put in commit order.
 * </ul>
 */
public final class CatalogRebuilder {
  private final Catalog catalog;
  private final BlobStore blobs;
  private final Engine engine;

  /**
   * @param catalog an empty catalog to fill
   */
  public CatalogRebuilder(Catalog catalog, BlobStore blobs, Engine engine) {
    this.catalog = catalog;
    this.blobs = blobs;
    this.engine = engine;
  }

  private record Recovered(VersionId id, Digest manifestId, Manifest manifest, Instant at) {}

  /** Rebuilds; the returned report has no {@code previous} catalog path. */
  public RepairReport rebuild() throws IOException {
    List<String> problems = new ArrayList<>();
    Map<Digest, VersionRecord> committed = new HashMap<>();
    Set<Digest> recordedManifests = new HashSet<>();
    Set<VersionId> removed = new HashSet<>();
    Map<ModelPath, Long> highest = new HashMap<>();
    for (VersionRecords.Stored s : VersionRecords.readAll(blobs)) {
      if (s.record() == null) {
        problems.add(s.problem());
        continue;
      }
      VersionRecord r = s.record();
      recordedManifests.add(r.manifest());
      highest.merge(r.version().path(), r.version().number(), Math::max);
      if (r.event() == VersionRecord.Event.REMOVED) {
        removed.add(r.version());
      } else {
        committed.put(r.manifest(), r);
      }
    }

    Map<Digest, Manifest> manifests = new LinkedHashMap<>();
    try (Stream<BlobInfo> s = blobs.list(BlobKind.MANIFEST)) {
      for (BlobInfo b : (Iterable<BlobInfo>) s::iterator) {
        try {
          manifests.put(b.id(), ManifestCodec.decode(blobs.get(BlobKind.MANIFEST, b.id()), b.id()));
        } catch (CorruptObjectException e) {
          problems.add(e.getMessage());
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }

    List<Recovered> recorded = new ArrayList<>();
    Set<VersionId> taken = new HashSet<>();
    List<Map.Entry<Digest, Manifest>> unrecorded = new ArrayList<>();
    List<VersionId> removedIds = new ArrayList<>(removed);
    for (Map.Entry<Digest, Manifest> e : manifests.entrySet()) {
      VersionRecord r = committed.get(e.getKey());
      if (r == null) {
        if (!recordedManifests.contains(e.getKey())) {
          unrecorded.add(e);
        }
      } else if (!removed.contains(r.version())) {
        if (!r.version().path().equals(e.getValue().path()) || !taken.add(r.version())) {
          problems.add(
              "Version record of "
                  + r.version()
                  + " names manifest "
                  + e.getKey()
                  + ", which belongs elsewhere or whose number is taken; left out");
        } else {
          recorded.add(new Recovered(r.version(), e.getKey(), e.getValue(), r.at()));
        }
      }
    }
    for (VersionRecord r : committed.values()) {
      if (!manifests.containsKey(r.manifest()) && !removed.contains(r.version())) {
        problems.add(
            "Version "
                + r.version()
                + " cannot be recovered: its manifest "
                + r.manifest()
                + " is missing or unreadable");
      }
    }

    unrecorded.sort(
        Comparator.comparing((Map.Entry<Digest, Manifest> e) -> e.getValue().createdAt())
            .thenComparing(e -> e.getValue().putId()));
    List<Recovered> renumbered = new ArrayList<>();
    Map<ModelPath, Long> next = new HashMap<>(highest);
    for (Map.Entry<Digest, Manifest> e : unrecorded) {
      ModelPath p = e.getValue().path();
      long n = next.merge(p, 1L, Long::sum);
      renumbered.add(
          new Recovered(new VersionId(p, n), e.getKey(), e.getValue(), e.getValue().createdAt()));
    }

    List<Recovered> all = new ArrayList<>(recorded);
    all.addAll(renumbered);
    all.sort(Comparator.comparing(Recovered::at).thenComparing(Recovered::id));
    Map<Digest, ChunkInfo> infos = new HashMap<>();
    Set<Digest> seen = new HashSet<>();
    for (Recovered r : all) {
      List<Manifest.ChunkRef> refs = new ArrayList<>();
      Verifier.collect(r.manifest().layout(), refs);
      Map<Digest, ChunkInfo> mine = new LinkedHashMap<>();
      long added = blobs.size(BlobKind.MANIFEST, r.manifestId());
      for (Manifest.ChunkRef ref : refs) {
        ChunkInfo info = infos.get(ref.id());
        if (info == null) {
          info = describe(ref, problems);
          infos.put(ref.id(), info);
        }
        mine.putIfAbsent(ref.id(), info);
        if (seen.add(ref.id())) {
          added += info.encodedSize();
        }
      }
      Manifest m = r.manifest();
      catalog.recoverVersion(
          new NewVersion(
              m.path(),
              m.fileSha256(),
              m.size(),
              added,
              r.manifestId(),
              m.layout().format(),
              m.originalFileName(),
              m.note(),
              m.params(),
              m.metrics(),
              new ArrayList<>(mine.values())),
          r.id().number(),
          r.at());
    }
    for (Map.Entry<ModelPath, Long> e : new TreeMap<>(highest).entrySet()) {
      catalog.reserveNumbers(e.getKey(), e.getValue());
    }
    removedIds.sort(Comparator.naturalOrder());
    return new RepairReport(
        recorded.stream().map(Recovered::id).sorted().toList(),
        renumbered.stream().map(Recovered::id).toList(),
        removedIds,
        problems,
        Optional.empty());
  }

  private ChunkInfo describe(Manifest.ChunkRef ref, List<String> problems) throws IOException {
    try {
      return engine.describeChunk(ref.id());
    } catch (MissingBlobException e) {
      problems.add("Chunk " + ref.id() + " is missing ('modelstash verify' lists the versions)");
    } catch (CorruptObjectException e) {
      problems.add(e.getMessage());
    }
    // Recorded with no stored bytes, so that verify reports it and a put that has it rewrites it.
    return new ChunkInfo(ref.id(), 0, ref.length(), 0);
  }
}
