package io.modelstash.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.ForwardingBlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.lifecycle.GcOptions;
import io.modelstash.store.lifecycle.Migrator;
import io.modelstash.store.lifecycle.RetentionPolicy;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migrating one store into another: every version comes across with its number, time, metadata and
 * aliases and restores byte for byte; an interrupted migration resumes; conflicts stop it.
 */
class MigrateTest {
  @TempDir Path dir;

  private static final ModelPath RUN = ModelPath.parse("proj/run");
  private static final ModelPath FT = ModelPath.parse("proj/ft");

  /** Files by version, as saved into the source. */
  private final Map<VersionId, byte[]> saved = new LinkedHashMap<>();

  private void fill(ModelStash source) throws IOException {
    DeltaStoreTest.Weights w = new DeltaStoreTest.Weights(7);
    for (int v = 1; v <= 4; v++) {
      Path f = w.save(dir.resolve("run" + v + ".safetensors"));
      PutOptions options =
          new PutOptions(
              Map.of("lr", "1e-5"),
              Map.of("loss", 1.0 / v),
              Optional.of("step " + v),
              v == 3 ? Optional.of(AliasName.of("best")) : Optional.empty(),
              Optional.empty());
      PutResult r = source.put(RUN, f, options);
      saved.put(r.id(), Files.readAllBytes(f));
      w.step(1e-5f, Set.of());
    }
    Path ft = w.save(dir.resolve("ft.safetensors"));
    PutResult r = source.put(FT, ft, PutOptions.none().withBase(Ref.version(RUN, 1)));
    saved.put(r.id(), Files.readAllBytes(ft));
  }

  private static byte[] restore(ModelStash s, VersionId id) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.get(id.toRef(), out);
    return out.toByteArray();
  }

  @Test
  void everyVersionComesAcrossWithItsNumberMetadataAndAliases() throws IOException {
    try (ModelStash source = ModelStash.open(dir.resolve("a"));
        ModelStash target = ModelStash.open(dir.resolve("b"))) {
      fill(source);
      // a removed version leaves a gap, and its chunks stay as the base of later deltas
      source.remove(Ref.version(RUN, 1), false);
      saved.remove(new VersionId(RUN, 1));

      List<String> events = new ArrayList<>();
      Migrator.Report report =
          source.migrateTo(target, (id, outcome, bytes) -> events.add(id + " " + outcome));
      assertThat(report.copied()).isEqualTo(4);
      assertThat(report.skipped()).isZero();
      assertThat(report.aliases()).isEqualTo(1);
      assertThat(events)
          .containsExactly(
              "proj/ft@1 COPIED", "proj/run@2 COPIED", "proj/run@3 COPIED", "proj/run@4 COPIED");

      for (Map.Entry<VersionId, byte[]> e : saved.entrySet()) {
        assertThat(restore(target, e.getKey())).as(e.getKey().toString()).isEqualTo(e.getValue());
      }
      for (ModelPath p : List.of(RUN, FT)) {
        assertThat(target.log(p)).isEqualTo(source.log(p));
      }
      assertThat(target.resolve(Ref.parse("proj/run@best")).id().number()).isEqualTo(3);

      // the base the removed version left behind survives gc in the target
      target.gc(new GcOptions(Optional.empty(), RetentionPolicy.none(), Duration.ZERO, false));
      for (Map.Entry<VersionId, byte[]> e : saved.entrySet()) {
        assertThat(restore(target, e.getKey())).isEqualTo(e.getValue());
      }
      assertThat(target.verify(Optional.empty(), true).problems()).isEmpty();

      // the removed number is not reused in the target either
      Path next = new DeltaStoreTest.Weights(8).save(dir.resolve("next.safetensors"));
      assertThat(target.put(RUN, next, PutOptions.none()).id().number()).isEqualTo(5);
    }
  }

  @Test
  void numbersOfRemovedNewestVersionsStayUsedInTheTarget() throws IOException {
    try (ModelStash source = ModelStash.open(dir.resolve("a"));
        ModelStash target = ModelStash.open(dir.resolve("b"))) {
      fill(source);
      // the newest version of one path, and every version of the other, are removed
      source.remove(Ref.version(RUN, 4), false);
      source.remove(Ref.version(FT, 1), false);
      source.migrateTo(target, (id, outcome, bytes) -> {});
      assertThat(target.log(RUN)).extracting(v -> v.id().number()).containsExactly(3L, 2L, 1L);

      // in the source the next numbers are 5 and 2; the target must agree, or one number would
      // name two different files
      Path next = new DeltaStoreTest.Weights(9).save(dir.resolve("next.safetensors"));
      assertThat(source.put(RUN, next, PutOptions.none()).id().number()).isEqualTo(5);
      assertThat(target.put(RUN, next, PutOptions.none()).id().number()).isEqualTo(5);
      assertThat(target.put(FT, next, PutOptions.none()).id().number()).isEqualTo(2);
    }
  }

  @Test
  void aSecondRunCopiesNothing() throws IOException {
    try (ModelStash source = ModelStash.open(dir.resolve("a"));
        ModelStash target = ModelStash.open(dir.resolve("b"))) {
      fill(source);
      source.migrateTo(target, (id, outcome, bytes) -> {});
      Migrator.Report again = source.migrateTo(target, (id, outcome, bytes) -> {});
      assertThat(again.copied()).isZero();
      assertThat(again.skipped()).isEqualTo(5);
      assertThat(again.objects()).isZero();
      assertThat(again.bytes()).isZero();
    }
  }

  @Test
  void anInterruptedMigrationResumesWhereItStopped() throws IOException {
    Path targetDir = Files.createDirectories(dir.resolve("b"));
    try (ModelStash source = ModelStash.open(dir.resolve("a"))) {
      fill(source);
      AtomicInteger putsLeft = new AtomicInteger(Integer.MAX_VALUE);
      AtomicInteger versionsDone = new AtomicInteger();
      try (ModelStash failing =
          ModelStash.using(
              targetDir,
              SqliteCatalog.open(targetDir.resolve("catalog.db")),
              new FailingPuts(LocalBlobStore.open(targetDir), putsLeft))) {
        // the connection breaks in the middle of the third version's objects
        Migrator.Listener breakAfterTwo =
            (id, outcome, bytes) -> {
              if (versionsDone.incrementAndGet() == 2) {
                putsLeft.set(3);
              }
            };
        assertThatThrownBy(() -> source.migrateTo(failing, breakAfterTwo))
            .hasMessageContaining("connection lost (injected)");
        // only whole versions are in the target: each one it has restores
        int whole = 0;
        for (Map.Entry<VersionId, byte[]> e : saved.entrySet()) {
          Optional<VersionInfo> v;
          try {
            v = Optional.of(failing.resolve(e.getKey().toRef()));
          } catch (StoreException notThere) {
            v = Optional.empty();
          }
          if (v.isPresent()) {
            whole++;
            assertThat(restore(failing, e.getKey())).isEqualTo(e.getValue());
          }
        }
        assertThat(whole).isEqualTo(2);
      }
      long objectsBefore = count(targetDir);
      try (ModelStash target =
          ModelStash.using(
              targetDir,
              SqliteCatalog.open(targetDir.resolve("catalog.db")),
              LocalBlobStore.open(targetDir))) {
        Migrator.Report resumed = source.migrateTo(target, (id, outcome, bytes) -> {});
        assertThat(resumed.copied() + resumed.skipped()).isEqualTo(saved.size());
        assertThat(resumed.skipped()).isEqualTo(2);
        assertThat(count(targetDir)).isEqualTo(objectsBefore + resumed.objects());
        for (Map.Entry<VersionId, byte[]> e : saved.entrySet()) {
          assertThat(restore(target, e.getKey())).isEqualTo(e.getValue());
        }
      }
    }
  }

  @Test
  void aDifferentVersionUnderTheSameNumberStopsTheMigration() throws IOException {
    try (ModelStash source = ModelStash.open(dir.resolve("a"));
        ModelStash target = ModelStash.open(dir.resolve("b"))) {
      fill(source);
      Path other = new DeltaStoreTest.Weights(99).save(dir.resolve("other.safetensors"));
      target.put(RUN, other, PutOptions.none());
      assertThatThrownBy(() -> source.migrateTo(target, (id, outcome, bytes) -> {}))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("proj/run@1")
          .hasMessageContaining("already has a different");
      assertThat(target.log(RUN)).hasSize(1);
    }
  }

  private static long count(Path store) throws IOException {
    long n = 0;
    for (BlobKind kind : BlobKind.values()) {
      try (Stream<Path> files = Files.walk(store.resolve(kind.directory()))) {
        n +=
            files
                .filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith("."))
                .count();
      }
    }
    return n;
  }

  /** Delegates, but fails every put after the first {@code putsLeft}. */
  private static final class FailingPuts extends ForwardingBlobStore {
    private final AtomicInteger putsLeft;

    FailingPuts(BlobStore delegate, AtomicInteger putsLeft) {
      super(delegate);
      this.putsLeft = putsLeft;
    }

    @Override
    public void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
      if (putsLeft.getAndDecrement() <= 0) {
        throw new IOException("connection lost (injected)");
      }
      delegate.put(kind, id, in, length);
    }
  }
}
