package io.modelstash.store.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.manifest.VersionRecord;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.Ref;
import io.modelstash.store.name.VersionId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A lost or damaged catalog is rebuilt from the blobs with the same numbers and bytes. */
class CatalogRebuilderTest {
  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private void deleteCatalog() throws IOException {
    try (Stream<Path> files = Files.list(store())) {
      for (Path p : files.toList()) {
        if (p.getFileName().toString().startsWith("catalog.db")) {
          Files.delete(p);
        }
      }
    }
  }

  /** What a version looks like, aliases and stored bytes aside. */
  private static String describe(VersionInfo v) {
    return v.id()
        + " "
        + v.createdAt()
        + " "
        + v.fileSha256()
        + " "
        + v.size()
        + " "
        + v.manifest()
        + " "
        + v.format()
        + " "
        + v.originalFileName()
        + " "
        + v.note()
        + " "
        + v.params()
        + " "
        + v.metrics();
  }

  private static List<String> log(ModelStash stash) throws IOException {
    List<String> out = new ArrayList<>();
    for (var p : stash.list(java.util.Optional.empty())) {
      for (VersionInfo v : stash.log(p.path())) {
        out.add(describe(v));
      }
    }
    return out;
  }

  @Test
  void aDeletedCatalogComesBackWithTheSameNumbersAndBytes() throws IOException {
    Map<VersionId, Digest> shas;
    List<String> before;
    try (ModelStash stash = ModelStash.open(store())) {
      shas = History.put(stash);
      stash.remove(Ref.version(History.RUN, 2), false);
      before = log(stash);
    }
    deleteCatalog();
    RepairReport report = ModelStash.rebuildCatalog(store());
    assertThat(report.recorded()).hasSize(5);
    assertThat(report.renumbered()).isEmpty();
    assertThat(report.removed()).containsExactly(new VersionId(History.RUN, 2));
    assertThat(report.problems()).isEmpty();
    assertThat(report.previous()).isEmpty();
    try (ModelStash stash = ModelStash.open(store())) {
      assertThat(log(stash)).isEqualTo(before);
      for (Map.Entry<VersionId, Digest> e : shas.entrySet()) {
        if (!e.getKey().equals(new VersionId(History.RUN, 2))) {
          assertThat(History.restore(stash, e.getKey())).isEqualTo(e.getValue());
        }
      }
      assertThat(stash.resolve(Ref.parse("proj/run@min:val_loss")).id().number()).isEqualTo(5);
      // aliases are not recoverable
      assertThatThrownBy(() -> stash.resolve(Ref.parse("proj/deploy@prod")))
          .isInstanceOf(StoreException.class);
      assertThat(
              stash
                  .put(History.RUN, History.file("checkpoint_epoch1.pt"), PutOptions.none())
                  .id()
                  .number())
          .isEqualTo(6);
      VerifyReport verify = stash.verify(java.util.Optional.empty(), true);
      assertThat(verify.ok()).isTrue();
      assertThat(verify.warnings()).isEmpty();
      assertThat(stash.stats(java.util.Optional.empty()).chunks()).isPositive();
    }
  }

  @Test
  void versionsWithoutARecordAreNumberedAfterTheRecordedOnes() throws IOException {
    try (ModelStash stash = ModelStash.open(store())) {
      History.put(stash);
      VersionInfo v3 = stash.resolve(Ref.version(History.RUN, 3));
      // as if the process died between the commit of @3 and writing its record
      Digest record =
          new VersionRecord(VersionRecord.Event.COMMITTED, v3.id(), v3.manifest(), v3.createdAt())
              .id();
      Files.delete(LocalBlobStore.open(store()).pathOf(BlobKind.RECORD, record));
    }
    // a damaged catalog file rather than a missing one
    Files.write(store().resolve("catalog.db"), new byte[] {1, 2, 3, 4});
    Files.deleteIfExists(store().resolve("catalog.db-wal"));
    Files.deleteIfExists(store().resolve("catalog.db-shm"));
    assertThatThrownBy(() -> ModelStash.open(store())).isInstanceOf(IOException.class);
    RepairReport report = ModelStash.rebuildCatalog(store());
    assertThat(report.renumbered()).containsExactly(new VersionId(History.RUN, 6));
    assertThat(report.previous()).isPresent();
    assertThat(Files.readAllBytes(report.previous().get())).containsExactly(1, 2, 3, 4);
    try (ModelStash stash = ModelStash.open(store())) {
      assertThat(stash.log(History.RUN))
          .extracting(v -> v.id().number())
          .containsExactly(6L, 5L, 4L, 2L, 1L);
      assertThat(stash.resolve(Ref.version(History.RUN, 6)).metrics())
          .containsEntry("val_loss", History.VAL_LOSS[2]);
    }
  }

  @Test
  void refusesADirectoryThatIsNotAStore() throws IOException {
    Files.createDirectories(dir.resolve("plain"));
    assertThatThrownBy(() -> ModelStash.rebuildCatalog(dir.resolve("plain")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("not a modelstash store");
  }
}
