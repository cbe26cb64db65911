package io.modelstash.store.lifecycle;

import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.CorruptObjectException;
import io.modelstash.store.blob.MissingBlobException;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.PathSummary;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.engine.Decoding;
import io.modelstash.store.engine.Engine;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.manifest.ManifestCodec;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks that the store can rebuild every version. The default check compares the catalog with a
 * listing of the blob store: every chunk a version uses (and every delta base) is stored with its
 * recorded size, and every manifest exists. The full check also decodes every chunk once (checking
 * its SHA-256), reads every manifest, and rebuilds every file to compare its SHA-256 and size.
 * Every problem names the object and every checked version it affects. Reads only.
 */
public final class Verifier {
  private final Catalog catalog;
  private final BlobStore blobs;
  private final Engine engine;

  public Verifier(Catalog catalog, BlobStore blobs, Engine engine) {
    this.catalog = catalog;
    this.blobs = blobs;
    this.engine = engine;
  }

  /** Checks the versions under {@code prefix} (all when empty). */
  public VerifyReport verify(Optional<ModelPath> prefix, boolean full) throws IOException {
    List<VersionInfo> versions = new ArrayList<>();
    List<PathSummary> paths =
        prefix.isPresent() ? catalog.listPaths(prefix.get()) : catalog.listPaths();
    for (PathSummary p : paths) {
      versions.addAll(catalog.log(p.path()));
    }
    List<VerifyReport.Problem> problems = new ArrayList<>();
    List<VerifyReport.Problem> warnings = new ArrayList<>();

    Map<Digest, ChunkInfo> chunks = new LinkedHashMap<>();
    Map<Digest, List<VersionId>> users = new HashMap<>();
    Map<VersionId, Set<Digest>> recorded = new HashMap<>();
    for (VersionInfo v : versions) {
      Set<Digest> mine = new HashSet<>();
      for (ChunkInfo c : catalog.versionChunks(v.id())) {
        mine.add(c.id());
        chunks.putIfAbsent(c.id(), c);
        users.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(v.id());
        if (c.base().isPresent()) {
          Digest base = c.base().get();
          List<VersionId> u = users.computeIfAbsent(base, k -> new ArrayList<>());
          if (!u.contains(v.id())) {
            u.add(v.id());
          }
          if (!chunks.containsKey(base)) {
            Optional<ChunkInfo> b = catalog.chunkInfo(base).map(r -> r.info());
            b.ifPresent(info -> chunks.put(base, info));
          }
        }
      }
      recorded.put(v.id(), mine);
    }

    Map<Digest, Long> stored = sizes(BlobKind.CHUNK);
    Set<Digest> bad = new HashSet<>();
    for (Map.Entry<Digest, List<VersionId>> e : users.entrySet()) {
      Digest d = e.getKey();
      ChunkInfo info = chunks.get(d);
      Long size = stored.get(d);
      if (size == null) {
        bad.add(d);
        problems.add(
            new VerifyReport.Problem(
                VerifyReport.Kind.MISSING_CHUNK,
                d.hex(),
                "Chunk " + d + " is missing",
                e.getValue()));
      } else if (info != null && size != info.encodedSize()) {
        bad.add(d);
        problems.add(
            new VerifyReport.Problem(
                VerifyReport.Kind.CHUNK_SIZE,
                d.hex(),
                "Chunk "
                    + d
                    + " has the wrong size: expected "
                    + info.encodedSize()
                    + " bytes, actual "
                    + size,
                e.getValue()));
      }
    }
    Map<VersionId, Manifest> manifests = new LinkedHashMap<>();
    for (VersionInfo v : versions) {
      if (!blobs.exists(BlobKind.MANIFEST, v.manifest())) {
        problems.add(
            new VerifyReport.Problem(
                VerifyReport.Kind.MISSING_MANIFEST,
                v.manifest().hex(),
                "Manifest " + v.manifest() + " of " + v.id() + " is missing",
                List.of(v.id())));
      } else if (full) {
        readManifest(v, problems).ifPresent(m -> manifests.put(v.id(), m));
      }
    }

    if (full) {
      Map<Digest, Manifest.ChunkRef> refs = new LinkedHashMap<>();
      for (VersionInfo v : versions) {
        Manifest m = manifests.get(v.id());
        if (m == null) {
          continue;
        }
        List<Manifest.ChunkRef> mine = new ArrayList<>();
        collect(m.layout(), mine);
        for (Manifest.ChunkRef r : mine) {
          refs.putIfAbsent(r.id(), r);
          if (!recorded.get(v.id()).contains(r.id())) {
            bad.add(r.id());
            problems.add(
                new VerifyReport.Problem(
                    VerifyReport.Kind.UNRECORDED_CHUNK,
                    r.id().hex(),
                    "Manifest of "
                        + v.id()
                        + " uses chunk "
                        + r.id()
                        + ", which the catalog does not record for it (gc could remove it)",
                    List.of(v.id())));
          }
        }
      }
      // checked on every core, a window ahead; results are taken, and problems listed, in order
      Deque<Map.Entry<Manifest.ChunkRef, Decoding>> checking = new ArrayDeque<>();
      try {
        for (Manifest.ChunkRef r : refs.values()) {
          if (bad.contains(r.id())) {
            continue;
          }
          checking.add(Map.entry(r, engine.startChecking(r)));
          if (checking.size() >= engine.readAhead()) {
            checked(checking.poll(), bad, problems, users);
          }
        }
        while (!checking.isEmpty()) {
          checked(checking.poll(), bad, problems, users);
        }
      } finally {
        checking.forEach(c -> c.getValue().cancel());
      }
      for (VersionInfo v : versions) {
        Manifest m = manifests.get(v.id());
        if (m == null || usesAny(m, bad)) {
          continue;
        }
        rebuild(v, m, problems);
      }
    }

    Map<VersionId, Digest> records = new HashMap<>();
    for (VersionRecords.Stored s : VersionRecords.readAll(blobs)) {
      if (s.record() == null) {
        warnings.add(
            new VerifyReport.Problem(
                VerifyReport.Kind.CORRUPT_RECORD, s.blob().id().hex(), s.problem(), List.of()));
      } else if (s.record().event() == VersionRecord.Event.COMMITTED) {
        records.put(s.record().version(), s.record().manifest());
      }
    }
    for (VersionInfo v : versions) {
      if (!v.manifest().equals(records.get(v.id()))) {
        warnings.add(
            new VerifyReport.Problem(
                VerifyReport.Kind.MISSING_RECORD,
                v.id().toString(),
                "Version "
                    + v.id()
                    + " has no version record ('repair --rebuild-catalog' would give it a new"
                    + " number)",
                List.of(v.id())));
      }
    }
    return new VerifyReport(full, versions.size(), users.size(), problems, warnings);
  }

  private Optional<Manifest> readManifest(VersionInfo v, List<VerifyReport.Problem> problems)
      throws IOException {
    try {
      Manifest m = ManifestCodec.decode(blobs.get(BlobKind.MANIFEST, v.manifest()), v.manifest());
      if (!m.fileSha256().equals(v.fileSha256()) || m.size() != v.size()) {
        problems.add(
            new VerifyReport.Problem(
                VerifyReport.Kind.CORRUPT_MANIFEST,
                v.manifest().hex(),
                "Manifest "
                    + v.manifest()
                    + " describes another file than "
                    + v.id()
                    + " (sha256 "
                    + m.fileSha256().hex()
                    + ", "
                    + m.size()
                    + " bytes)",
                List.of(v.id())));
        return Optional.empty();
      }
      return Optional.of(m);
    } catch (MissingBlobException e) {
      problems.add(
          new VerifyReport.Problem(
              VerifyReport.Kind.MISSING_MANIFEST,
              v.manifest().hex(),
              "Manifest " + v.manifest() + " of " + v.id() + " is missing",
              List.of(v.id())));
    } catch (CorruptObjectException e) {
      problems.add(
          new VerifyReport.Problem(
              VerifyReport.Kind.CORRUPT_MANIFEST,
              v.manifest().hex(),
              e.getMessage(),
              List.of(v.id())));
    }
    return Optional.empty();
  }

  private void rebuild(VersionInfo v, Manifest m, List<VerifyReport.Problem> problems)
      throws IOException {
    Digest.Hasher hasher = Digest.hasher();
    long[] count = {0};
    OutputStream sink =
        new OutputStream() {
          @Override
          public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
          }

          @Override
          public void write(byte[] b, int off, int len) {
            hasher.update(b, off, len);
            count[0] += len;
          }
        };
    String failure;
    try {
      engine.read(m.layout(), sink);
      Digest actual = hasher.finish();
      if (count[0] == v.size() && actual.equals(v.fileSha256())) {
        return;
      }
      failure =
          "Rebuilt file of "
              + v.id()
              + " does not match: expected sha256 "
              + v.fileSha256().hex()
              + " and "
              + v.size()
              + " bytes, actual "
              + actual.hex()
              + " and "
              + count[0];
    } catch (CorruptObjectException | MissingBlobException e) {
      failure = "Cannot rebuild " + v.id() + ": " + e.getMessage();
    }
    problems.add(
        new VerifyReport.Problem(
            VerifyReport.Kind.FILE_HASH, v.id().toString(), failure, List.of(v.id())));
  }

  /** Waits for one chunk's check and records a missing or corrupt chunk as a problem. */
  private static void checked(
      Map.Entry<Manifest.ChunkRef, Decoding> check,
      Set<Digest> bad,
      List<VerifyReport.Problem> problems,
      Map<Digest, List<VersionId>> users)
      throws IOException {
    Manifest.ChunkRef r = check.getKey();
    VerifyReport.Kind kind;
    String message;
    try {
      check.getValue().get();
      return;
    } catch (MissingBlobException e) {
      kind = VerifyReport.Kind.MISSING_CHUNK;
      message = "Chunk " + r.id() + " is missing";
    } catch (CorruptObjectException e) {
      kind = VerifyReport.Kind.CORRUPT_CHUNK;
      message = e.getMessage();
    }
    bad.add(r.id());
    problems.add(
        new VerifyReport.Problem(
            kind, r.id().hex(), message, users.getOrDefault(r.id(), List.of())));
  }

  private static boolean usesAny(Manifest m, Set<Digest> bad) {
    List<Manifest.ChunkRef> refs = new ArrayList<>();
    collect(m.layout(), refs);
    for (Manifest.ChunkRef r : refs) {
      if (bad.contains(r.id())) {
        return true;
      }
    }
    return false;
  }

  /** Every chunk a layout uses, nested levels included. */
  static void collect(Manifest.Layout l, List<Manifest.ChunkRef> out) {
    out.addAll(l.opaqueChunks());
    for (Manifest.Segment s : l.segments()) {
      if (s instanceof Manifest.Payload) {
        out.addAll(((Manifest.Payload) s).chunks());
      } else if (s instanceof Manifest.Deflated) {
        collect(((Manifest.Deflated) s).inner(), out);
      }
    }
  }

  private Map<Digest, Long> sizes(BlobKind kind) throws IOException {
    Map<Digest, Long> out = new HashMap<>();
    try (Stream<BlobInfo> s = blobs.list(kind)) {
      s.forEach(b -> out.put(b.id(), b.size()));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return out;
  }
}
