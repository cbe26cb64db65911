package io.modelstash.store.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.ModelStash;
import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.ForwardingBlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damage to stored objects is found, named, and never turns into wrong bytes. */
class VerifierTest {
  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private List<ChunkInfo> chunksOf(VersionId id) throws IOException {
    try (Catalog c = SqliteCatalog.open(store().resolve("catalog.db"))) {
      return c.versionChunks(id);
    }
  }

  /** A chunk of {@code only} that no other version of the history reads, not even as a base. */
  private Digest chunkOnlyIn(VersionId only, List<VersionId> all) throws IOException {
    // a chunk another version reads, itself or as the base of one of its deltas
    Set<Digest> others = new HashSet<>();
    for (VersionId id : all) {
      if (!id.equals(only)) {
        chunksOf(id)
            .forEach(
                c -> {
                  others.add(c.id());
                  c.base().ifPresent(others::add);
                });
      }
    }
    return chunksOf(only).stream()
        .map(ChunkInfo::id)
        .filter(d -> !others.contains(d))
        .findFirst()
        .orElseThrow();
  }

  private void flipByte(Digest chunk, long at) throws IOException {
    try (RandomAccessFile f =
        new RandomAccessFile(
            LocalBlobStore.open(store()).pathOf(BlobKind.CHUNK, chunk).toFile(), "rw")) {
      long pos = Math.min(at, f.length() - 5);
      f.seek(pos);
      int b = f.read();
      f.seek(pos);
      f.write(b ^ 0x10);
    }
  }

  /** Whether another chunk read started while the first one waited (up to 5 s) for company. */
  private static final class Overlapping extends ForwardingBlobStore {
    final AtomicInteger started = new AtomicInteger();
    volatile boolean company;

    Overlapping(BlobStore delegate) {
      super(delegate);
    }

    @Override
    public byte[] get(BlobKind kind, Digest id) throws IOException {
      if (kind == BlobKind.CHUNK && started.incrementAndGet() == 1) {
        long until = System.nanoTime() + 5_000_000_000L;
        while (started.get() < 2 && System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        company = started.get() >= 2;
      }
      return super.get(kind, id);
    }
  }

  @Test
  void theFullCheckReadsChunksOnSeveralCoresAtOnce() throws IOException {
    Assumptions.assumeTrue(
        Runtime.getRuntime().availableProcessors() >= 2,
        "checks run on one thread per core; this machine has one");
    try (ModelStash stash = ModelStash.open(store())) {
      History.put(stash);
    }
    Overlapping blobs = new Overlapping(LocalBlobStore.open(store()));
    try (ModelStash stash =
        ModelStash.using(store(), SqliteCatalog.open(store().resolve("catalog.db")), blobs)) {
      assertThat(stash.verify(Optional.empty(), true).ok()).isTrue();
    }
    // checked one at a time, the second read started only after the first returned
    assertThat(blobs.company).isTrue();
  }

  @Test
  void aFlippedByteIsFoundByTheFullCheckWithEveryVersionItAffects() throws IOException {
    try (ModelStash stash = ModelStash.open(store())) {
      Map<VersionId, Digest> shas = History.put(stash);
      List<VersionId> all = List.copyOf(shas.keySet());
      VersionId v2 = new VersionId(History.RUN, 2);
      Digest onlyInV2 = chunkOnlyIn(v2, all);
      // the largest chunk of epoch 1 is the frozen embedding, which every version shares
      Digest shared =
          chunksOf(new VersionId(History.RUN, 1)).stream()
              .max(java.util.Comparator.comparingLong(ChunkInfo::rawSize))
              .orElseThrow()
              .id();
      flipByte(onlyInV2, 100);
      flipByte(shared, 4000);

      assertThat(stash.verify(Optional.empty(), false).ok())
          .as("sizes are intact; only decoding finds a flipped byte")
          .isTrue();
      VerifyReport full = stash.verify(Optional.empty(), true);
      assertThat(full.ok()).isFalse();
      assertThat(full.versions()).isEqualTo(6);
      assertThat(full.problems())
          .extracting(VerifyReport.Problem::kind)
          .containsOnly(VerifyReport.Kind.CORRUPT_CHUNK);
      VerifyReport.Problem p2 =
          full.problems().stream()
              .filter(p -> p.object().equals(onlyInV2.hex()))
              .findFirst()
              .orElseThrow();
      assertThat(p2.versions()).containsExactly(v2);
      assertThat(p2.message()).contains(onlyInV2.toString()).contains("corrupt");
      VerifyReport.Problem ps =
          full.problems().stream()
              .filter(p -> p.object().equals(shared.hex()))
              .findFirst()
              .orElseThrow();
      assertThat(ps.versions()).containsExactlyInAnyOrderElementsOf(all);

      Path out = dir.resolve("restored.pt");
      assertThatThrownBy(() -> stash.get(Ref.version(History.RUN, 2), out))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("Cannot restore proj/run@2")
          .hasMessageContaining("corrupt");
      assertThat(out).doesNotExist();
      try (Stream<Path> left = Files.list(dir)) {
        assertThat(left.map(p -> p.getFileName().toString()))
            .noneMatch(n -> n.contains("restored"));
      }
      VerifyReport onlyDeploy = stash.verify(Optional.of(History.DEPLOY), true);
      assertThat(onlyDeploy.versions()).isEqualTo(1);
      assertThat(onlyDeploy.problems())
          .singleElement()
          .satisfies(
              p -> {
                assertThat(p.object()).isEqualTo(shared.hex());
                assertThat(p.versions()).containsExactly(new VersionId(History.DEPLOY, 1));
              });
    }
  }

  @Test
  void theDefaultCheckFindsMissingAndTruncatedObjects() throws IOException {
    try (ModelStash stash = ModelStash.open(store())) {
      Map<VersionId, Digest> shas = History.put(stash);
      List<VersionId> all = List.copyOf(shas.keySet());
      assertThat(stash.verify(Optional.empty(), false).ok()).isTrue();
      VerifyReport clean = stash.verify(Optional.empty(), true);
      assertThat(clean.ok()).isTrue();
      assertThat(clean.warnings()).isEmpty();

      LocalBlobStore blobs = LocalBlobStore.open(store());
      Digest missing = chunkOnlyIn(new VersionId(History.RUN, 3), all);
      Files.delete(blobs.pathOf(BlobKind.CHUNK, missing));
      Digest truncated = chunkOnlyIn(new VersionId(History.RUN, 4), all);
      Path t = blobs.pathOf(BlobKind.CHUNK, truncated);
      Files.write(t, java.util.Arrays.copyOf(Files.readAllBytes(t), 10));
      Digest manifest = stash.resolve(Ref.version(History.RUN, 5)).manifest();
      Files.delete(blobs.pathOf(BlobKind.MANIFEST, manifest));
      Digest record =
          new VersionRecord(
                  VersionRecord.Event.COMMITTED,
                  new VersionId(History.DEPLOY, 1),
                  stash.resolve(Ref.latest(History.DEPLOY)).manifest(),
                  stash.resolve(Ref.latest(History.DEPLOY)).createdAt())
              .id();
      Files.delete(blobs.pathOf(BlobKind.RECORD, record));

      VerifyReport r = stash.verify(Optional.empty(), false);
      assertThat(r.problems())
          .extracting(
              VerifyReport.Problem::kind,
              VerifyReport.Problem::object,
              VerifyReport.Problem::versions)
          .containsExactlyInAnyOrder(
              org.assertj.core.groups.Tuple.tuple(
                  VerifyReport.Kind.MISSING_CHUNK,
                  missing.hex(),
                  List.of(new VersionId(History.RUN, 3))),
              org.assertj.core.groups.Tuple.tuple(
                  VerifyReport.Kind.CHUNK_SIZE,
                  truncated.hex(),
                  List.of(new VersionId(History.RUN, 4))),
              org.assertj.core.groups.Tuple.tuple(
                  VerifyReport.Kind.MISSING_MANIFEST,
                  manifest.hex(),
                  List.of(new VersionId(History.RUN, 5))));
      assertThat(r.warnings())
          .singleElement()
          .satisfies(w -> assertThat(w.kind()).isEqualTo(VerifyReport.Kind.MISSING_RECORD));
      assertThat(stash.verify(Optional.of(ModelPath.parse("proj/deploy")), true).ok()).isTrue();
      VerifyReport full = stash.verify(Optional.empty(), true);
      assertThat(full.problems()).hasSize(3);
    }
  }
}
