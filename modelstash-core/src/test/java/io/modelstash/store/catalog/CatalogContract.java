package io.modelstash.store.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Catalog} must have. An implementation's test extends this and opens a
 * fresh, empty catalog that takes its time from the given clock.
 */
public abstract class CatalogContract {

  protected static final Instant T0 = Instant.parse("2025-01-02T03:04:05.678Z");
  protected static final ModelPath MODEL = ModelPath.parse("proj/exp/model");
  protected static final AliasName BEST = AliasName.of("best");

  protected final MutableClock clock = new MutableClock(T0);
  private Catalog catalog;

  /** A new, empty catalog using {@code clock}. */
  protected abstract Catalog newCatalog(MutableClock clock) throws Exception;

  /**
   * Where another process finds the catalog {@link #newCatalog} made last, as {@link CommitMain}
   * takes it: a SQLite file or a PostgreSQL URL.
   */
  protected abstract String locationForOtherProcesses();

  @BeforeEach
  final void openCatalog() throws Exception {
    catalog = newCatalog(clock);
  }

  @AfterEach
  final void closeCatalog() throws Exception {
    if (catalog != null) {
      catalog.close();
    }
  }

  protected final Catalog catalog() {
    return catalog;
  }

  protected static Digest digest(String s) {
    return Digest.of(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  protected static ChunkInfo chunk(String name, long raw) {
    return new ChunkInfo(digest("chunk:" + name), raw / 2, raw, 1);
  }

  protected static NewVersion version(ModelPath path, long size, ChunkInfo... chunks) {
    return new NewVersion(
        path,
        digest("file:" + path + ":" + size),
        size,
        size / 2,
        digest("manifest:" + path + ":" + size),
        "torch-zip",
        Optional.empty(),
        Optional.empty(),
        Map.of(),
        Map.of(),
        Arrays.asList(chunks));
  }

  private VersionInfo resolve(String ref) throws CatalogException {
    return catalog.resolve(Ref.parse(ref)).orElseThrow();
  }

  @Test
  void numbersVersionsPerPathFromOne() throws Exception {
    ModelPath other = ModelPath.parse("proj/other");
    assertThat(catalog.commit(version(MODEL, 10))).isEqualTo(new VersionId(MODEL, 1));
    assertThat(catalog.commit(version(MODEL, 20))).isEqualTo(new VersionId(MODEL, 2));
    assertThat(catalog.commit(version(other, 30))).isEqualTo(new VersionId(other, 1));
    assertThat(catalog.commit(version(MODEL, 40))).isEqualTo(new VersionId(MODEL, 3));
  }

  @Test
  void recordsEverythingAboutAVersion() throws Exception {
    NewVersion v =
        new NewVersion(
            MODEL,
            digest("file"),
            123_456_789_012L,
            1_000,
            digest("manifest"),
            "safetensors",
            Optional.of("model-épоch 3.safetensors"),
            Optional.of("first try\nwith a newline"),
            Map.of("lr", "0.001", "optimizer", "adamw"),
            Map.of("val_loss", 0.1, "accuracy", 0.987654321, "tiny", 1e-300, "neg", -42.5),
            List.of(chunk("a", 100)));
    catalog.commit(v);
    VersionInfo got = resolve("proj/exp/model@1");
    assertThat(got.id()).isEqualTo(new VersionId(MODEL, 1));
    assertThat(got.createdAt()).isEqualTo(T0);
    assertThat(got.fileSha256()).isEqualTo(digest("file"));
    assertThat(got.size()).isEqualTo(123_456_789_012L);
    assertThat(got.storedBytesAdded()).isEqualTo(1_000);
    assertThat(got.manifest()).isEqualTo(digest("manifest"));
    assertThat(got.format()).isEqualTo("safetensors");
    assertThat(got.originalFileName()).contains("model-épоch 3.safetensors");
    assertThat(got.note()).contains("first try\nwith a newline");
    assertThat(got.params()).isEqualTo(v.params());
    assertThat(got.metrics()).isEqualTo(v.metrics());
    assertThat(got.metrics().keySet()).containsExactly("accuracy", "neg", "tiny", "val_loss");
    assertThat(got.aliases()).isEmpty();
  }

  @Test
  void resolvesNumbersLatestAndAliases() throws Exception {
    catalog.commit(version(MODEL, 1));
    catalog.commit(version(MODEL, 2));
    catalog.commit(version(MODEL, 3));
    catalog.tag(new VersionId(MODEL, 2), BEST);
    assertThat(resolve("proj/exp/model").id().number()).isEqualTo(3);
    assertThat(resolve("proj/exp/model@latest").id().number()).isEqualTo(3);
    assertThat(resolve("proj/exp/model@1").size()).isEqualTo(1);
    assertThat(resolve("proj/exp/model@best").id().number()).isEqualTo(2);
    assertThat(resolve("proj/exp/model@best").aliases()).containsExactly(BEST);
    assertThat(catalog.resolve(Ref.parse("proj/exp/model@4"))).isEmpty();
    assertThat(catalog.resolve(Ref.parse("proj/exp/model@prod"))).isEmpty();
    assertThat(catalog.resolve(Ref.parse("proj/exp"))).isEmpty();
    assertThat(catalog.resolve(Ref.parse("proj/exp/model/x"))).isEmpty();
  }

  @Test
  void logListsNewestFirstWithMetadata() throws Exception {
    for (int i = 1; i <= 3; i++) {
      NewVersion v = version(MODEL, i);
      catalog.commit(
          new NewVersion(
              v.path(),
              v.fileSha256(),
              v.size(),
              v.storedBytesAdded(),
              v.manifest(),
              v.format(),
              v.originalFileName(),
              v.note(),
              Map.of("epoch", "" + i),
              Map.of("loss", 1.0 / i),
              v.chunks()));
      clock.advance(Duration.ofSeconds(1));
    }
    catalog.tag(new VersionId(MODEL, 1), AliasName.of("first"));
    catalog.tag(new VersionId(MODEL, 1), BEST);
    List<VersionInfo> log = catalog.log(MODEL);
    assertThat(log).extracting(v -> v.id().number()).containsExactly(3L, 2L, 1L);
    assertThat(log.get(0).params()).containsEntry("epoch", "3");
    assertThat(log.get(1).metrics()).containsEntry("loss", 0.5);
    assertThat(log.get(2).aliases()).containsExactly(BEST, AliasName.of("first"));
    assertThat(log.get(0).createdAt()).isEqualTo(T0.plusSeconds(2));
    assertThat(catalog.log(ModelPath.parse("nothing/here"))).isEmpty();
  }

  @Test
  void listsPathsBySegmentPrefix() throws Exception {
    for (String p : List.of("a/b", "a/b/c", "a/bc", "a_b/x", "A/b", "ab", "a/b/c")) {
      catalog.commit(version(ModelPath.parse(p), 5));
      clock.advance(Duration.ofSeconds(1));
    }
    assertThat(catalog.listPaths())
        .extracting(s -> s.path().toString())
        .containsExactly("A/b", "a/b", "a/b/c", "a/bc", "a_b/x", "ab");
    assertThat(catalog.listPaths(ModelPath.parse("a/b")))
        .extracting(s -> s.path().toString())
        .containsExactly("a/b", "a/b/c");
    assertThat(catalog.listPaths(ModelPath.parse("a")))
        .extracting(s -> s.path().toString())
        .containsExactly("a/b", "a/b/c", "a/bc");
    assertThat(catalog.listPaths(ModelPath.parse("zzz"))).isEmpty();
    PathSummary abc = catalog.listPaths(ModelPath.parse("a/b/c")).get(0);
    assertThat(abc.versionCount()).isEqualTo(2);
    assertThat(abc.latest()).isEqualTo(2);
    assertThat(abc.latestCreatedAt()).isEqualTo(T0.plusSeconds(6));
    assertThat(abc.latestSize()).isEqualTo(5);
  }

  @Test
  void statsCountLogicalAndDistinctStoredBytes() throws Exception {
    assertThat(catalog.stats()).isEqualTo(new CatalogStats(0, 0, 0, 0, 0, 0));
    ChunkInfo a = chunk("a", 1000);
    ChunkInfo b = chunk("b", 600);
    catalog.commit(version(MODEL, 1600, a, b));
    catalog.commit(version(MODEL, 1600, a, b));
    catalog.commit(version(ModelPath.parse("other"), 1000, a));
    assertThat(catalog.stats()).isEqualTo(new CatalogStats(2, 3, 4200, 1600, 800, 2));
    assertThat(catalog.stats(ModelPath.parse("other")))
        .isEqualTo(new CatalogStats(1, 1, 1000, 1000, 500, 1));
    assertThat(catalog.stats(ModelPath.parse("proj")))
        .isEqualTo(new CatalogStats(1, 2, 3200, 1600, 800, 2));
  }

  @Test
  void tagsCreateMoveAndReportOutcomes() throws Exception {
    VersionId v1 = catalog.commit(version(MODEL, 1));
    VersionId v2 = catalog.commit(version(MODEL, 2));
    assertThat(catalog.tag(v1, BEST)).isEqualTo(TagResult.CREATED);
    assertThat(catalog.tag(v1, BEST)).isEqualTo(TagResult.UNCHANGED);
    assertThat(catalog.tag(v2, BEST)).isEqualTo(TagResult.MOVED);
    assertThat(catalog.tag(new VersionId(MODEL, 9), BEST)).isEqualTo(TagResult.NO_SUCH_VERSION);
    assertThat(catalog.tag(new VersionId(ModelPath.parse("x"), 1), BEST))
        .isEqualTo(TagResult.NO_SUCH_VERSION);
    assertThat(resolve("proj/exp/model@best").id()).isEqualTo(v2);
    assertThat(TagResult.MOVED.isSuccess()).isTrue();
    assertThat(TagResult.CONFLICT.isSuccess()).isFalse();
  }

  @Test
  void compareAndSetTagging() throws Exception {
    VersionId v1 = catalog.commit(version(MODEL, 1));
    VersionId v2 = catalog.commit(version(MODEL, 2));
    VersionId v3 = catalog.commit(version(MODEL, 3));
    assertThat(catalog.tag(v1, BEST, OptionalLong.empty())).isEqualTo(TagResult.CREATED);
    assertThat(catalog.tag(v2, BEST, OptionalLong.empty())).isEqualTo(TagResult.CONFLICT);
    assertThat(catalog.tag(v2, BEST, OptionalLong.of(3))).isEqualTo(TagResult.CONFLICT);
    assertThat(resolve("proj/exp/model@best").id()).isEqualTo(v1);
    assertThat(catalog.tag(v2, BEST, OptionalLong.of(1))).isEqualTo(TagResult.MOVED);
    assertThat(catalog.tag(v2, BEST, OptionalLong.of(2))).isEqualTo(TagResult.UNCHANGED);
    assertThat(catalog.tag(v3, BEST, OptionalLong.of(3))).isEqualTo(TagResult.CONFLICT);
    assertThat(catalog.tag(new VersionId(MODEL, 7), BEST, OptionalLong.of(2)))
        .isEqualTo(TagResult.NO_SUCH_VERSION);
    assertThat(resolve("proj/exp/model@best").id()).isEqualTo(v2);
  }

  @Test
  void aliasesBelongToOnePath() throws Exception {
    ModelPath other = ModelPath.parse("other");
    catalog.commit(version(MODEL, 1));
    catalog.commit(version(MODEL, 2));
    catalog.commit(version(other, 1));
    catalog.tag(new VersionId(MODEL, 2), BEST);
    catalog.tag(new VersionId(other, 1), BEST);
    assertThat(resolve("proj/exp/model@best").id().number()).isEqualTo(2);
    assertThat(resolve("other@best").id().number()).isEqualTo(1);
    assertThat(catalog.untag(other, BEST)).isTrue();
    assertThat(catalog.untag(other, BEST)).isFalse();
    assertThat(catalog.resolve(Ref.parse("other@best"))).isEmpty();
    assertThat(resolve("proj/exp/model@best").id().number()).isEqualTo(2);
  }

  @Test
  void removingAVersionNeverReusesItsNumber() throws Exception {
    VersionId v1 = catalog.commit(version(MODEL, 1));
    VersionId v2 = catalog.commit(version(MODEL, 2));
    assertThat(catalog.removeVersion(v2, false)).isEqualTo(RemoveResult.REMOVED);
    assertThat(catalog.removeVersion(v2, false)).isEqualTo(RemoveResult.NO_SUCH_VERSION);
    assertThat(resolve("proj/exp/model").id()).isEqualTo(v1);
    assertThat(catalog.commit(version(MODEL, 3))).isEqualTo(new VersionId(MODEL, 3));
    assertThat(catalog.log(MODEL)).extracting(v -> v.id().number()).containsExactly(3L, 1L);
    catalog.removeVersion(v1, false);
    catalog.removeVersion(new VersionId(MODEL, 3), false);
    assertThat(catalog.listPaths()).isEmpty();
    assertThat(catalog.commit(version(MODEL, 4))).isEqualTo(new VersionId(MODEL, 4));
  }

  @Test
  void removingAnAliasedVersionNeedsConsent() throws Exception {
    VersionId v1 = catalog.commit(version(MODEL, 1));
    catalog.tag(v1, BEST);
    assertThat(catalog.removeVersion(v1, false)).isEqualTo(RemoveResult.ALIASED);
    assertThat(resolve("proj/exp/model@1").aliases()).containsExactly(BEST);
    assertThat(catalog.removeVersion(v1, true)).isEqualTo(RemoveResult.REMOVED);
    assertThat(catalog.resolve(Ref.parse("proj/exp/model@best"))).isEmpty();
    assertThat(catalog.resolve(v1.toRef())).isEmpty();
  }

  @Test
  void recordsChunksAndTheirLastReference() throws Exception {
    ChunkInfo a = new ChunkInfo(digest("a"), 40, 100, 1);
    ChunkInfo b = new ChunkInfo(digest("b"), 70, 100, 2, Optional.of(digest("a")));
    assertThat(catalog.hasChunk(a.id())).isFalse();
    assertThat(catalog.chunkInfo(a.id())).isEmpty();
    VersionId v1 = catalog.commit(version(MODEL, 200, a, b, a));
    assertThat(catalog.hasChunk(a.id())).isTrue();
    assertThat(catalog.chunkInfo(b.id())).contains(new ChunkRecord(b, T0, T0));

    clock.advance(Duration.ofHours(1));
    // A later commit reuses "a" with different (ignored) sizes: the first record stays, but the
    // reuse is recorded so gc's grace period restarts.
    catalog.commit(version(MODEL, 100, new ChunkInfo(digest("a"), 99, 100, 0)));
    assertThat(catalog.chunkInfo(a.id()))
        .contains(new ChunkRecord(a, T0, T0.plus(Duration.ofHours(1))));
    assertThat(catalog.chunkInfo(b.id())).contains(new ChunkRecord(b, T0, T0));

    clock.advance(Duration.ofHours(1));
    catalog.removeVersion(v1, false);
    Instant removedAt = T0.plus(Duration.ofHours(2));
    assertThat(catalog.chunkInfo(b.id())).contains(new ChunkRecord(b, T0, removedAt));
    assertThat(catalog.chunkInfo(a.id()).orElseThrow().lastReferencedAt()).isEqualTo(removedAt);
    assertThat(catalog.stats().chunks()).isEqualTo(1);
  }

  @Test
  void concurrentCommitsToOnePathGetGaplessNumbers() throws Exception {
    int threads = 8;
    int perThread = 5;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Callable<List<Long>>> tasks = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        tasks.add(
            () -> {
              start.await();
              List<Long> got = new ArrayList<>();
              for (int i = 0; i < perThread; i++) {
                got.add(
                    catalog
                        .commit(
                            version(MODEL, id * 100 + i, chunk("shared", 10), chunk("t" + id, 10)))
                        .number());
              }
              return got;
            });
      }
      List<Future<List<Long>>> futures = new ArrayList<>();
      for (Callable<List<Long>> task : tasks) {
        futures.add(pool.submit(task));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : futures) {
        all.addAll(f.get());
      }
      assertThat(all)
          .containsExactlyInAnyOrderElementsOf(
              LongStream.rangeClosed(1, threads * perThread).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
    assertThat(catalog.log(MODEL)).hasSize(threads * perThread);
    assertThat(catalog.stats().chunks()).isEqualTo(threads + 1);
  }

  // ---- best by metric

  private NewVersion withMetrics(ModelPath path, long size, Map<String, Double> metrics) {
    NewVersion v = version(path, size);
    return new NewVersion(
        v.path(),
        v.fileSha256(),
        v.size(),
        v.storedBytesAdded(),
        v.manifest(),
        v.format(),
        v.originalFileName(),
        v.note(),
        v.params(),
        metrics,
        v.chunks());
  }

  @Test
  void resolvesTheBestVersionByAMetricNewestOnTies() throws Exception {
    catalog.commit(withMetrics(MODEL, 1, Map.of("loss", 0.5, "acc", 0.7)));
    catalog.commit(withMetrics(MODEL, 2, Map.of("loss", 0.3, "acc", 0.9)));
    catalog.commit(withMetrics(MODEL, 3, Map.of("loss", 0.3)));
    catalog.commit(withMetrics(MODEL, 4, Map.of("loss", 0.9, "acc", 0.9)));
    catalog.commit(withMetrics(MODEL, 5, Map.of()));
    assertThat(resolve("proj/exp/model@min:loss").id().number()).isEqualTo(3);
    assertThat(resolve("proj/exp/model@max:loss").id().number()).isEqualTo(4);
    assertThat(resolve("proj/exp/model@max:acc").id().number()).isEqualTo(4);
    assertThat(resolve("proj/exp/model@min:acc").id().number()).isEqualTo(1);
    assertThat(resolve("proj/exp/model@min:acc").metrics()).containsEntry("loss", 0.5);
    assertThat(catalog.resolve(Ref.parse("proj/exp/model@min:f1"))).isEmpty();
    assertThat(catalog.resolve(Ref.parse("proj/other@min:loss"))).isEmpty();
  }

  @Test
  void ranksVersionsAcrossPathsByAMetric() throws Exception {
    ModelPath a = ModelPath.parse("team/a");
    ModelPath b = ModelPath.parse("team/b");
    catalog.commit(withMetrics(a, 1, Map.of("loss", 0.4)));
    clock.advance(Duration.ofSeconds(1));
    catalog.commit(withMetrics(b, 1, Map.of("loss", 0.2)));
    clock.advance(Duration.ofSeconds(1));
    catalog.commit(withMetrics(a, 2, Map.of("loss", 0.2)));
    clock.advance(Duration.ofSeconds(1));
    catalog.commit(withMetrics(MODEL, 1, Map.of("loss", 0.1)));
    catalog.commit(withMetrics(b, 2, Map.of("acc", 0.1)));
    assertThat(catalog.versionsByMetric(Optional.of(ModelPath.parse("team")), "loss", false, 10))
        .extracting(v -> v.id().toString())
        .containsExactly("team/a@2", "team/b@1", "team/a@1");
    assertThat(catalog.versionsByMetric(Optional.empty(), "loss", true, 2))
        .extracting(v -> v.id().toString())
        .containsExactly("team/a@1", "team/a@2");
    assertThat(catalog.versionsByMetric(Optional.empty(), "loss", false, 1).get(0).metrics())
        .containsEntry("loss", 0.1);
  }

  // ---- sweeps

  private static final Duration DAY = Duration.ofDays(1);

  private SweepRequest request(List<Digest> chunks, List<Digest> orphans, List<Digest> manifests) {
    return new SweepRequest(clock.instant(), Set.of(), chunks, orphans, manifests);
  }

  @Test
  void aCommitNeedingAChunkASweepRemovedMeanwhileIsRefused() throws Exception {
    ChunkInfo a = chunk("a", 10);
    VersionId v1 = catalog.commit(version(MODEL, 1, a));
    catalog.removeVersion(v1, false);
    clock.advance(DAY);
    SweepFence fence = catalog.sweepFence();
    Sweep sweep = catalog.beginSweep(request(List.of(a.id()), List.of(), List.of()));
    assertThat(sweep.chunks()).containsExactly(a.id());
    assertThat(catalog.chunkInfo(a.id())).isEmpty();
    assertThat(catalog.hasChunk(a.id())).isFalse();
    // a put that reused "a" before the sweep condemned it must not commit
    assertThatThrownBy(() -> catalog.commit(version(MODEL, 2, a).withFence(fence)))
        .isInstanceOf(SweptObjectException.class)
        .hasMessageContaining(a.id().toString());
    assertThat(catalog.sweepFence().open()).contains(sweep.generation());
    catalog.finishSweep(sweep.generation());
    assertThat(catalog.sweepFence().open()).isEmpty();
    // a put that starts after the sweep settled writes "a" anew and brings its record back
    ChunkInfo rewritten = new ChunkInfo(a.id(), 7, 10, 0);
    VersionId v2 = catalog.commit(version(MODEL, 2, rewritten).withFence(catalog.sweepFence()));
    assertThat(catalog.chunkInfo(a.id()).orElseThrow().info()).isEqualTo(rewritten);
    assertThat(catalog.versionChunks(v2)).containsExactly(rewritten);
  }

  @Test
  void aCommitWhoseManifestOrDeltaBaseWasSweptIsRefused() throws Exception {
    ChunkInfo base = chunk("base", 10);
    VersionId v1 = catalog.commit(version(MODEL, 1, base));
    catalog.removeVersion(v1, false);
    clock.advance(DAY);
    SweepFence fence = catalog.sweepFence();
    Digest orphanManifest = digest("manifest:proj/exp/model:2");
    Sweep sweep =
        catalog.beginSweep(request(List.of(base.id()), List.of(), List.of(orphanManifest)));
    assertThat(sweep.manifests()).containsExactly(orphanManifest);
    ChunkInfo delta = new ChunkInfo(digest("delta"), 3, 10, 9, Optional.of(base.id()));
    assertThatThrownBy(() -> catalog.commit(version(MODEL, 3, delta).withFence(fence)))
        .isInstanceOf(SweptObjectException.class)
        .hasMessageContaining("chunk " + base.id());
    assertThatThrownBy(() -> catalog.commit(version(MODEL, 2).withFence(fence)))
        .isInstanceOf(SweptObjectException.class)
        .hasMessageContaining("manifest " + orphanManifest);
  }

  @Test
  void aSweepCondemnsOnlyWhatStillQualifies() throws Exception {
    ChunkInfo used = chunk("used", 10);
    ChunkInfo old = chunk("old", 10);
    ChunkInfo young = chunk("young", 10);
    ChunkInfo released = chunk("released", 10);
    ChunkInfo base = chunk("base", 10);
    ChunkInfo delta = new ChunkInfo(digest("delta"), 3, 10, 9, Optional.of(base.id()));
    VersionId keep = catalog.commit(version(MODEL, 1, used, delta));
    VersionId gone = catalog.commit(version(MODEL, 2, old, base));
    catalog.removeVersion(gone, false);
    clock.advance(DAY);
    VersionId fresh = catalog.commit(version(MODEL, 3, young, released));
    catalog.removeVersion(fresh, false);
    Digest orphan = digest("orphan");
    Sweep sweep =
        catalog.beginSweep(
            new SweepRequest(
                clock.instant().minus(Duration.ofHours(1)),
                Set.of(released.id()),
                List.of(used.id(), old.id(), young.id(), released.id(), base.id()),
                List.of(orphan, used.id()),
                List.of(digest("manifest:proj/exp/model:1"), digest("unused manifest"))));
    assertThat(sweep.chunks()).containsExactlyInAnyOrder(old.id(), released.id(), orphan);
    assertThat(sweep.manifests()).containsExactly(digest("unused manifest"));
    assertThat(catalog.hasChunk(base.id())).as("a delta's base stays").isTrue();
    assertThat(catalog.hasChunk(young.id())).isTrue();
    assertThat(catalog.unreferencedChunks())
        .extracting(r -> r.info().id())
        .containsExactlyInAnyOrder(young.id(), base.id());
    assertThat(catalog.deltaChunks()).containsExactly(delta);
    assertThat(catalog.liveChunks(List.of(used.id(), old.id(), orphan, young.id())))
        .containsExactlyInAnyOrder(used.id(), young.id());
    assertThat(catalog.liveChunkInfos(List.of(used.id(), old.id(), orphan, young.id())))
        .containsOnlyKeys(used.id(), young.id())
        .containsEntry(used.id(), catalog.chunkInfo(used.id()).orElseThrow().info());
    assertThat(catalog.referenceCounts(List.of(used.id(), old.id())))
        .isEqualTo(Map.of(used.id(), 1L));
    assertThat(catalog.referencedManifests()).containsExactly(digest("manifest:proj/exp/model:1"));
    assertThat(keep.number()).isEqualTo(1);
  }

  @Test
  void chunkRecordsAreLookedUpInBatches() throws Exception {
    // more ids than one statement takes, and some the catalog does not know
    ChunkInfo[] chunks = new ChunkInfo[1200];
    for (int i = 0; i < chunks.length; i++) {
      chunks[i] = chunk("many" + i, 100 + i);
    }
    catalog.commit(version(MODEL, 7, chunks));
    List<Digest> ids = new ArrayList<>();
    for (ChunkInfo c : chunks) {
      ids.add(c.id());
    }
    ids.add(digest("chunk:unknown"));
    Map<Digest, ChunkInfo> found = catalog.liveChunkInfos(ids);
    assertThat(found).hasSize(chunks.length).doesNotContainKey(digest("chunk:unknown"));
    assertThat(found.get(chunks[1199].id())).isEqualTo(chunks[1199]);
  }

  @Test
  void aSweepThatStopsRenewingItsLeaseSettles() throws Exception {
    Sweep sweep = catalog.beginSweep(request(List.of(), List.of(), List.of()));
    clock.advance(Sweep.LEASE.minusSeconds(1));
    assertThat(catalog.renewSweep(sweep.generation())).isTrue();
    clock.advance(Sweep.LEASE.minusSeconds(1));
    assertThat(catalog.sweepFence().open()).containsExactly(sweep.generation());
    clock.advance(Duration.ofSeconds(2));
    assertThat(catalog.sweepFence().open()).isEmpty();
    assertThat(catalog.sweepFence().generation()).isEqualTo(sweep.generation());
    assertThat(catalog.renewSweep(sweep.generation()))
        .as("an expired lease stays expired")
        .isFalse();
    Sweep next = catalog.beginSweep(request(List.of(), List.of(), List.of()));
    assertThat(next.generation()).isGreaterThan(sweep.generation());
    catalog.finishSweep(next.generation());
    assertThat(catalog.renewSweep(next.generation())).isFalse();
  }

  @Test
  void oldTombstonesAreForgottenAndVeryLongPutsRefused() throws Exception {
    ChunkInfo a = chunk("a", 10);
    catalog.removeVersion(catalog.commit(version(MODEL, 1, a)), false);
    clock.advance(DAY);
    SweepFence ancient = catalog.sweepFence();
    Sweep sweep = catalog.beginSweep(request(List.of(a.id()), List.of(), List.of()));
    catalog.finishSweep(sweep.generation());
    clock.advance(Sweep.TOMBSTONE_RETENTION.plus(DAY));
    catalog.finishSweep(catalog.beginSweep(request(List.of(), List.of(), List.of())).generation());
    assertThat(catalog.liveChunks(List.of(a.id()))).isEmpty();
    assertThat(catalog.liveChunkInfos(List.of(a.id()))).isEmpty();
    assertThatThrownBy(() -> catalog.commit(version(MODEL, 2, a).withFence(ancient)))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("took longer than");
    catalog.commit(version(MODEL, 2, a).withFence(catalog.sweepFence()));
    assertThat(catalog.hasChunk(a.id())).isTrue();
  }

  @Test
  void concurrentSweepsGetDistinctGenerations() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Long>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  return catalog.beginSweep(request(List.of(), List.of(), List.of())).generation();
                }));
      }
      start.countDown();
      List<Long> generations = new ArrayList<>();
      for (Future<Long> f : futures) {
        generations.add(f.get());
      }
      assertThat(generations)
          .containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, threads).boxed().toList());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSweepAndAFencedCommitRacingForOneChunkNeverBothWin() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 40; round++) {
        int r = round;
        ChunkInfo x = chunk("race" + r, 10);
        catalog.removeVersion(catalog.commit(version(MODEL, r, x)), false);
        clock.advance(DAY);
        SweepFence fence = catalog.sweepFence();
        CountDownLatch start = new CountDownLatch(1);
        Future<Boolean> committed =
            pool.submit(
                () -> {
                  start.await();
                  try {
                    catalog.commit(version(MODEL, 1000 + r, x).withFence(fence));
                    return true;
                  } catch (SweptObjectException e) {
                    return false;
                  }
                });
        Future<Sweep> swept =
            pool.submit(
                () -> {
                  start.await();
                  return catalog.beginSweep(request(List.of(x.id()), List.of(), List.of()));
                });
        start.countDown();
        Sweep sweep = swept.get();
        catalog.finishSweep(sweep.generation());
        boolean deleted = sweep.chunks().contains(x.id());
        assertThat(committed.get() && deleted)
            .as("round %d: a committed version uses a chunk the sweep deletes", round)
            .isFalse();
        assertThat(committed.get() || deleted).as("round %d: one of them wins", round).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  // ---- recovery

  @Test
  void recoveredVersionsKeepTheirNumbersAndTimes() throws Exception {
    Instant then = T0.minus(Duration.ofDays(3));
    catalog.recoverVersion(version(MODEL, 1, chunk("a", 10)), 4, then);
    catalog.reserveNumbers(MODEL, 6);
    catalog.reserveNumbers(MODEL, 2);
    catalog.reserveNumbers(ModelPath.parse("only/removed"), 3);
    // the counters, also of a path without versions, are what a migration carries over
    assertThat(catalog.versionCounters())
        .containsExactlyInAnyOrderEntriesOf(
            java.util.Map.of(MODEL, 6L, ModelPath.parse("only/removed"), 3L));
    VersionInfo v = resolve("proj/exp/model@4");
    assertThat(v.createdAt()).isEqualTo(then);
    assertThat(catalog.versionChunks(v.id())).containsExactly(chunk("a", 10));
    assertThatThrownBy(() -> catalog.recoverVersion(version(MODEL, 2), 4, then))
        .isInstanceOf(CatalogException.class)
        .hasMessageContaining("already has it");
    assertThat(catalog.commit(version(MODEL, 9)).number()).isEqualTo(7);
    assertThat(catalog.commit(version(ModelPath.parse("only/removed"), 1)).number()).isEqualTo(4);
  }

  @Test
  void separateProcessesCommittingToOnePathGetGaplessNumbers() throws Exception {
    int processes = 8;
    int perProcess = 4;
    ModelPath model = ModelPath.parse("procs/model");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> running = new ArrayList<>();
    try {
      for (int i = 0; i < processes; i++) {
        running.add(
            new ProcessBuilder(
                    java,
                    "-XX:TieredStopAtLevel=1",
                    "-Xshare:auto",
                    "-cp",
                    System.getProperty("java.class.path"),
                    CommitMain.class.getName(),
                    locationForOtherProcesses(),
                    model.toString(),
                    Integer.toString(perProcess))
                .redirectErrorStream(true)
                .start());
      }
      List<Long> numbers = new ArrayList<>();
      for (Process p : running) {
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("child finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        for (String line : out.strip().split("\\s+")) {
          numbers.add(Long.parseLong(line));
        }
      }
      assertThat(numbers)
          .containsExactlyInAnyOrderElementsOf(
              LongStream.rangeClosed(1, processes * perProcess).boxed().toList());
      assertThat(catalog().resolve(Ref.latest(model)).orElseThrow().id().number())
          .isEqualTo(processes * perProcess);
    } finally {
      for (Process p : running) {
        p.destroyForcibly();
      }
    }
  }

  @Test
  void recordsOneStoreIdentityAndKeepsTheFirst() throws Exception {
    assertThat(catalog().storeIdentity()).isEmpty();
    assertThat(catalog().recordStoreIdentity("first")).isEqualTo("first");
    assertThat(catalog().recordStoreIdentity("second")).isEqualTo("first");
    assertThat(catalog().storeIdentity()).contains("first");
    // two openers racing on a new store agree on one identity
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      catalog().close();
      Catalog fresh = newCatalog(clock);
      java.util.List<java.util.concurrent.Future<String>> ids = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        String proposed = "racer-" + i;
        ids.add(pool.submit(() -> fresh.recordStoreIdentity(proposed)));
      }
      java.util.Set<String> got = new java.util.HashSet<>();
      for (java.util.concurrent.Future<String> f : ids) {
        got.add(f.get());
      }
      assertThat(got).hasSize(1);
      assertThat(fresh.storeIdentity()).contains(got.iterator().next());
      fresh.close();
    } finally {
      pool.shutdownNow();
    }
  }
}
