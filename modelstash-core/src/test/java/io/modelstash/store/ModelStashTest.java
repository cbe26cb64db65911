package io.modelstash.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.testing.Fixtures;
import io.modelstash.format.testing.TorchPython;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.BlobStore;
import io.modelstash.store.blob.ForwardingBlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.CatalogStats;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.name.AliasName;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's main job through its Java API: put, get, log, tag, stats, and bad input. */
class ModelStashTest {
  @TempDir Path dir;

  private static final ModelPath PATH = ModelPath.parse("ProjectAlpha/Experiment1/model");

  static Digest sha(Path f) throws IOException {
    try (InputStream in = Files.newInputStream(f)) {
      return Digest.of(in);
    }
  }

  static PutOptions metric(String name, double value) {
    return new PutOptions(
        Map.of(), Map.of(name, value), Optional.empty(), Optional.empty(), Optional.empty());
  }

  @Test
  void tenRealCheckpointsComeBackIdenticalWithTheirMetrics() throws IOException {
    TorchPython.assumeAvailable();
    List<Path> files = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      Path f = dir.resolve("ckpt-" + i + ".pt");
      TorchPython.generate("checkpoint", 100 + i, f);
      files.add(f);
    }
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      for (int i = 0; i < files.size(); i++) {
        PutResult r = stash.put(PATH, files.get(i), metric("loss", 1.0 / (i + 1)));
        assertThat(r.id().number()).isEqualTo(i + 1);
      }
      List<VersionInfo> log = stash.log(PATH);
      assertThat(log).hasSize(10);
      assertThat(log.get(0).id().number()).isEqualTo(10);
      assertThat(log.get(9).metrics()).containsEntry("loss", 1.0);
      for (int i = 0; i < files.size(); i++) {
        Path out = dir.resolve("restored-" + (i + 1));
        stash.get(Ref.version(PATH, i + 1), out);
        assertThat(sha(out)).isEqualTo(sha(files.get(i)));
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(files.get(i)));
      }
    }
  }

  @Test
  void metadataEveryCatalogCannotStoreIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path file = Fixtures.torch("many_storages.pt");
    ModelPath path = ModelPath.parse("meta/nul");
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      PutOptions nulNote =
          new PutOptions(
              Map.of(), Map.of(), Optional.of("a\u0000b"), Optional.empty(), Optional.empty());
      assertThatThrownBy(() -> stash.put(path, file, nulNote))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Cannot commit meta/nul: the note contains a NUL character (remove it)");
      PutOptions nulParam =
          new PutOptions(
              Map.of("k", "x\u0000"),
              Map.of(),
              Optional.empty(),
              Optional.empty(),
              Optional.empty());
      assertThatThrownBy(() -> stash.put(path, file, nulParam))
          .hasMessageContaining("parameter 'k' contains a NUL character");
      assertThat(stash.stats(Optional.empty()).chunks()).isZero();
    }
  }

  @Test
  void puttingTheSameFileAgainAddsUnderOnePercent() throws IOException {
    Path file = Fixtures.torch("many_storages.pt");
    Path big = dir.resolve("big.pt");
    Files.copy(realCheckpoint(), big);
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      stash.put(PATH, big, PutOptions.none());
      long before = storeBytes(dir.resolve("store"));
      PutResult again = stash.put(PATH, big, PutOptions.none());
      long after = storeBytes(dir.resolve("store"));
      assertThat(again.storedBytesAdded()).isLessThan(Files.size(big) / 100);
      assertThat(after - before).isLessThan(Files.size(big) / 100);
      assertThat(again.id().number()).isEqualTo(2);
      stash.put(ModelPath.parse("other/path"), file, PutOptions.none());
    }
  }

  /** The largest checked-in real checkpoint: the quickstart series lives in the CLI module. */
  private static Path realCheckpoint() {
    Path quickstart =
        Path.of(
            "..",
            "modelstash-cli",
            "src",
            "main",
            "resources",
            "quickstart",
            "checkpoint_epoch1.pt");
    return Files.exists(quickstart) ? quickstart : Fixtures.torch("ckpt.pt");
  }

  @Test
  void stateDictAloneSharesItsTensorChunksWithTheFullCheckpoint() throws IOException {
    Path dirQ = Path.of("..", "modelstash-cli", "src", "main", "resources", "quickstart");
    Path checkpoint = dirQ.resolve("checkpoint_epoch5.pt");
    Path stateDict = dirQ.resolve("model_best.pt");
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      stash.put(PATH, checkpoint, PutOptions.none());
      PutResult model =
          stash.put(ModelPath.parse("ProjectAlpha/deploy"), stateDict, PutOptions.none());
      // the model's tensors are already stored as part of the checkpoint
      assertThat(model.storedBytesAdded()).isLessThan(Files.size(stateDict) / 20);
      Path out = dir.resolve("model.pt");
      stash.get(Ref.latest(ModelPath.parse("ProjectAlpha/deploy")), out);
      assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(stateDict));
    }
  }

  @Test
  void everyFixtureAndHostileFileRoundTripsExactly() throws IOException {
    List<Path> all = new ArrayList<>(Fixtures.torch());
    all.addAll(Fixtures.hostile());
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      for (Path f : all) {
        String name = f.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
        ModelPath p = ModelPath.parse("fixtures/" + name);
        stash.put(p, f, PutOptions.none());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stash.get(Ref.latest(p), out);
        assertThat(out.toByteArray()).as(f.toString()).isEqualTo(Files.readAllBytes(f));
      }
    }
  }

  @Test
  void aliasesRefsAndStats() throws IOException {
    Path a = Fixtures.torch("ckpt.pt");
    Path b = Fixtures.torch("model.v2.pt");
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      stash.put(PATH, a, metric("loss", 2));
      stash.put(PATH, b, metric("loss", 1));
      stash.tag(Ref.version(PATH, 1), AliasName.of("best"));
      assertThat(stash.resolve(Ref.parse(PATH + "@best")).id().number()).isEqualTo(1);
      assertThat(stash.resolve(Ref.parse(PATH.toString())).id().number()).isEqualTo(2);
      assertThat(stash.resolve(Ref.parse(PATH + "@latest")).id().number()).isEqualTo(2);
      CatalogStats stats = stash.stats(Optional.empty());
      assertThat(stats.logicalBytes()).isEqualTo(Files.size(a) + Files.size(b));
      assertThat(stats.versions()).isEqualTo(2);
      assertThatThrownBy(() -> stash.resolve(Ref.parse(PATH + "@prod")))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("No version");
      assertThatThrownBy(() -> stash.resolve(Ref.parse("no/such/path")))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("No model at path 'no/such/path'");
    }
  }

  @Test
  void streamsAreStoredToo() throws IOException {
    byte[] data = Files.readAllBytes(Fixtures.torch("legacy_ckpt.pt"));
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      PutResult r = stash.put(PATH, new ByteArrayInputStream(data), PutOptions.none());
      assertThat(r.format()).isEqualTo("torch-legacy");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stash.get(Ref.latest(PATH), out);
      assertThat(out.toByteArray()).isEqualTo(data);
      try (Stream<Path> tmp = Files.list(dir.resolve("store").resolve("tmp"))) {
        assertThat(tmp).isEmpty();
      }
    }
  }

  @Test
  void aFullDiskDuringPutLeavesTheStoreAsItWas() throws IOException {
    Path store = dir.resolve("store");
    Path first = Fixtures.torch("ckpt.pt");
    Path second = realCheckpoint();
    DiskFull blobs = new DiskFull(LocalBlobStore.open(store));
    try (ModelStash stash =
        ModelStash.using(store, SqliteCatalog.open(store.resolve("catalog.db")), blobs)) {
      stash.put(PATH, first, PutOptions.none());
      blobs.limit.set(20_000);
      assertThatThrownBy(() -> stash.put(PATH, second, PutOptions.none()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("No space left on device");
      assertThat(stash.log(PATH)).hasSize(1);
      blobs.limit.set(Long.MAX_VALUE);
      PutResult r = stash.put(PATH, second, PutOptions.none());
      assertThat(r.id().number()).isEqualTo(2);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stash.get(Ref.version(PATH, 1), out);
      assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(first));
      out.reset();
      stash.get(Ref.version(PATH, 2), out);
      assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(second));
    }
  }

  @Test
  void aStoreFromANewerModelstashIsRefused() throws IOException {
    Path store = dir.resolve("store");
    ModelStash.open(store).close();
    Files.writeString(store.resolve("FORMAT"), "modelstash-store 99\n");
    assertThatThrownBy(() -> ModelStash.open(store))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("newer modelstash");
  }

  @Test
  void aStoreThatCannotBeCreatedSaysWhy() throws IOException {
    Path file = Files.writeString(dir.resolve("plain-file"), "x");
    assertThatThrownBy(() -> ModelStash.open(file.resolve("store")))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Cannot open store");
  }

  @Test
  void getOfAMissingChunkFailsAndLeavesNoFile() throws IOException {
    Path store = dir.resolve("store");
    try (ModelStash stash = ModelStash.open(store)) {
      stash.put(PATH, realCheckpoint(), PutOptions.none());
      try (Stream<BlobInfo> chunks = LocalBlobStore.open(store).list(BlobKind.CHUNK)) {
        BlobInfo victim = chunks.findFirst().orElseThrow();
        Files.delete(LocalBlobStore.open(store).pathOf(BlobKind.CHUNK, victim.id()));
      }
      Path out = dir.resolve("out.pt");
      assertThatThrownBy(() -> stash.get(Ref.latest(PATH), out))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("Cannot restore");
      assertThat(out).doesNotExist();
      try (Stream<Path> left = Files.list(dir)) {
        assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".out"));
      }
    }
  }

  private static long storeBytes(Path store) throws IOException {
    long[] n = {0};
    try (Stream<Path> walk = Files.walk(store)) {
      walk.filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("catalog.db"))
          .forEach(
              p -> {
                try {
                  n[0] += Files.size(p);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
    }
    return n[0];
  }

  /** A blob store whose disk fills up after {@code limit} more bytes. */
  private static final class DiskFull extends ForwardingBlobStore {
    final AtomicLong limit = new AtomicLong(Long.MAX_VALUE);

    DiskFull(BlobStore delegate) {
      super(delegate);
    }

    @Override
    public void put(BlobKind kind, Digest id, InputStream in, long length) throws IOException {
      delegate.put(
          kind,
          id,
          new FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
              int n = super.read(b, off, len);
              if (n > 0 && limit.addAndGet(-n) < 0) {
                throw new IOException("No space left on device");
              }
              return n;
            }
          },
          length);
    }
  }
}
