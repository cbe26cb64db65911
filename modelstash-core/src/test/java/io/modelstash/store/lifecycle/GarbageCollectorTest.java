package io.modelstash.store.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.NewVersion;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention and sweeping on a real history of PyTorch checkpoints. */
class GarbageCollectorTest {
  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private static GcOptions options(RetentionPolicy policy, Duration grace, boolean dryRun) {
    return new GcOptions(Optional.empty(), policy, grace, dryRun);
  }

  private static RetentionPolicy keepLast(int n) {
    return new RetentionPolicy(OptionalInt.of(n), List.of(), OptionalInt.empty(), Optional.empty());
  }

  /** Objects that were there before and are gone after, with their sizes. */
  private static Map<String, Long> gone(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> out = new HashMap<>(before);
    out.keySet().removeAll(after.keySet());
    return out;
  }

  @Test
  void aDryRunAgreesByteForByteWithTheRealRunAndSharedChunksStay() throws IOException {
    try (ModelStash stash = ModelStash.open(store())) {
      Map<VersionId, Digest> shas = History.put(stash);
      GcReport dry = stash.gc(options(keepLast(2), GcOptions.DEFAULT_GRACE, true));
      assertThat(dry.dryRun()).isTrue();
      assertThat(dry.versions())
          .extracting(v -> v.id().toString())
          .containsExactly("proj/run@1", "proj/run@2", "proj/run@3");
      assertThat(stash.log(History.RUN)).hasSize(5);

      // the embedding every checkpoint shares is not counted as freed
      Set<Digest> kept = new HashSet<>();
      for (ChunkInfo c : chunksOf(stash, new VersionId(History.RUN, 4))) {
        kept.add(c.id());
      }
      assertThat(dry.chunks()).isNotEmpty().doesNotContainAnyElementsOf(kept);

      Map<String, Long> before = History.objects(store());
      GcReport real = stash.gc(options(keepLast(2), GcOptions.DEFAULT_GRACE, false));
      Map<String, Long> gone = gone(before, History.objects(store()));
      assertThat(real.versions()).isEqualTo(dry.versions());
      assertThat(real.chunks()).isEqualTo(dry.chunks());
      assertThat(real.bytesFreed()).isEqualTo(dry.bytesFreed()).isPositive();
      assertThat(real.chunkBytes()).isEqualTo(dry.chunkBytes());
      assertThat(real.manifests()).isEqualTo(3);
      assertThat(real.records()).isEqualTo(dry.records());
      assertThat(gone.values().stream().mapToLong(Long::longValue).sum())
          .isEqualTo(real.bytesFreed());
      assertThat(gone.keySet().stream().filter(k -> k.startsWith("CHUNK/")).count())
          .isEqualTo(real.chunks().size());

      assertThat(stash.log(History.RUN)).extracting(v -> v.id().number()).containsExactly(5L, 4L);
      for (VersionId id :
          List.of(
              new VersionId(History.RUN, 4),
              new VersionId(History.RUN, 5),
              new VersionId(History.DEPLOY, 1))) {
        assertThat(History.restore(stash, id)).isEqualTo(shas.get(id));
      }
      assertThatThrownBy(() -> stash.resolve(Ref.version(History.RUN, 1)))
          .isInstanceOf(StoreException.class);
      assertThat(stash.verify(Optional.empty(), true).ok()).isTrue();
      GcReport again = stash.gc(options(keepLast(2), Duration.ZERO, true));
      assertThat(again.versions()).isEmpty();
      assertThat(again.chunks()).isEmpty();
    }
  }

  @Test
  void rulesCombineOnARealHistory() throws IOException {
    try (ModelStash stash = ModelStash.open(store())) {
      History.put(stash);
      stash.tag(Ref.version(History.RUN, 1), AliasName.of("first"));
      RetentionPolicy rules =
          new RetentionPolicy(
              OptionalInt.of(1),
              List.of(RetentionPolicy.KeepBest.parse("1:val_acc:max")),
              OptionalInt.empty(),
              Optional.empty());
      assertThat(stash.gc(options(rules, Duration.ZERO, true)).versions())
          .extracting(v -> v.id().number())
          .containsExactly(2L, 4L);
      RetentionPolicy recentOnly =
          new RetentionPolicy(
              rules.keepLast(),
              rules.keepBest(),
              OptionalInt.empty(),
              Optional.of(Duration.ofHours(1)));
      assertThat(stash.gc(options(recentOnly, Duration.ZERO, true)).versions()).isEmpty();
      RetentionPolicy everySecond =
          new RetentionPolicy(
              OptionalInt.of(1), List.of(), OptionalInt.of(2), Optional.of(Duration.ZERO));
      GcOptions underRun =
          new GcOptions(
              Optional.of(ModelPath.parse("proj/run")), everySecond, Duration.ZERO, false);
      assertThat(stash.gc(underRun).versions())
          .extracting(v -> v.id().number())
          .containsExactly(3L);
      assertThat(stash.log(History.RUN))
          .extracting(v -> v.id().number())
          .containsExactly(5L, 4L, 2L, 1L);
      assertThat(stash.log(History.DEPLOY)).hasSize(1);
    }
  }

  @Test
  void withoutRulesOnlyDataUnreferencedForLongerThanTheGraceGoes() throws IOException {
    try (ModelStash stash = ModelStash.open(store())) {
      Map<VersionId, Digest> shas = History.put(stash);
      stash.remove(Ref.version(History.RUN, 1), false);
      GcReport withGrace = stash.gc(GcOptions.sweepOnly());
      assertThat(withGrace.bytesFreed()).isZero();

      // a crashed put's leftovers: an old chunk object the catalog never recorded, and a new one
      LocalBlobStore blobs = LocalBlobStore.open(store());
      byte[] junk = "left by a crashed put".getBytes(StandardCharsets.UTF_8);
      Digest old = Digest.of(junk);
      Digest young = Digest.of("still being written".getBytes(StandardCharsets.UTF_8));
      blobs.put(BlobKind.CHUNK, old, junk);
      blobs.put(BlobKind.CHUNK, young, junk);
      History.age(store(), BlobKind.CHUNK, old, Duration.ofHours(2));
      GcReport orphans = stash.gc(GcOptions.sweepOnly());
      assertThat(orphans.chunks()).containsExactly(old);
      assertThat(orphans.chunkBytes()).isEqualTo(junk.length);
      assertThat(blobs.exists(BlobKind.CHUNK, young)).isTrue();

      GcOptions now = options(RetentionPolicy.none(), Duration.ZERO, true);
      GcReport dry = stash.gc(now);
      Map<String, Long> before = History.objects(store());
      GcReport real =
          stash.gc(new GcOptions(Optional.empty(), RetentionPolicy.none(), Duration.ZERO, false));
      assertThat(real.chunks()).isEqualTo(dry.chunks()).contains(young);
      assertThat(real.bytesFreed()).isEqualTo(dry.bytesFreed());
      assertThat(
              gone(before, History.objects(store())).values().stream()
                  .mapToLong(Long::longValue)
                  .sum())
          .isEqualTo(real.bytesFreed());
      assertThat(real.manifests()).isEqualTo(1);
      assertThat(real.records()).as("the committed and the removed record of @1").isEqualTo(2);
      for (Map.Entry<VersionId, Digest> e : shas.entrySet()) {
        if (e.getKey().number() != 1 || !e.getKey().path().equals(History.RUN)) {
          assertThat(History.restore(stash, e.getKey())).isEqualTo(e.getValue());
        }
      }
      assertThat(stash.verify(Optional.empty(), true).ok()).isTrue();
    }
  }

  @Test
  void aChunkStaysWhileADeltaThatStaysIsBasedOnIt() throws IOException {
    ModelPath other = ModelPath.parse("other");
    try (ModelStash stash = ModelStash.open(store())) {
      stash.put(History.RUN, History.file("checkpoint_epoch1.pt"), PutOptions.none());
      Digest delta = Digest.of("delta".getBytes(StandardCharsets.UTF_8));
      Digest base;
      try (Catalog catalog = SqliteCatalog.open(store().resolve("catalog.db"))) {
        base = catalog.versionChunks(new VersionId(History.RUN, 1)).get(0).id();
        LocalBlobStore.open(store()).put(BlobKind.CHUNK, delta, new byte[40]);
        catalog.commit(
            new NewVersion(
                other,
                delta,
                10,
                40,
                Digest.of(new byte[] {7}),
                "raw",
                Optional.empty(),
                Optional.empty(),
                Map.of(),
                Map.of(),
                List.of(new ChunkInfo(delta, 40, 10, 9, Optional.of(base)))));
      }
      stash.remove(Ref.version(History.RUN, 1), false);
      GcOptions now = new GcOptions(Optional.empty(), RetentionPolicy.none(), Duration.ZERO, false);
      GcReport first = stash.gc(now);
      assertThat(first.basesKept()).isEqualTo(1);
      assertThat(first.chunks()).isNotEmpty().doesNotContain(base, delta);
      assertThat(LocalBlobStore.open(store()).exists(BlobKind.CHUNK, base)).isTrue();

      stash.remove(Ref.version(other, 1), false);
      GcReport second = stash.gc(now);
      assertThat(second.chunks()).containsExactlyInAnyOrder(base, delta);
    }
  }

  private List<ChunkInfo> chunksOf(ModelStash stash, VersionId id) throws IOException {
    try (Catalog catalog = SqliteCatalog.open(stash.directory().resolve("catalog.db"))) {
      return catalog.versionChunks(id);
    }
  }
}
