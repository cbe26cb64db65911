package io.modelstash.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.ForwardingBlobStore;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.lifecycle.VerifyReport;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that handles several versions decodes each delta base once: puts find the chunks the
 * previous put wrote, and restores of consecutive versions share the bases. Verification still
 * reads every stored object.
 */
class BaseCacheTest {
  private static final ModelPath PATH = ModelPath.parse("run/model");

  @TempDir Path dir;

  /** Counts how often each chunk object is read. */
  static final class Counting extends ForwardingBlobStore {
    final Map<Digest, AtomicInteger> reads = new ConcurrentHashMap<>();

    Counting(LocalBlobStore delegate) {
      super(delegate);
    }

    @Override
    public byte[] get(BlobKind kind, Digest id) throws IOException {
      if (kind == BlobKind.CHUNK) {
        reads.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
      }
      return super.get(kind, id);
    }

    int total() {
      return reads.values().stream().mapToInt(AtomicInteger::get).sum();
    }
  }

  private ModelStash open(Path store, Counting blobs) throws IOException {
    return ModelStash.using(store, SqliteCatalog.open(store.resolve("catalog.db")), blobs);
  }

  private List<Path> history(int versions) throws IOException {
    DeltaStoreTest.Weights w = new DeltaStoreTest.Weights(7);
    List<Path> files = new ArrayList<>();
    for (int v = 1; v <= versions; v++) {
      files.add(w.save(dir.resolve("v" + v + ".safetensors")));
      w.step(1e-5f, Set.of());
    }
    return files;
  }

  private static void putAll(ModelStash stash, List<Path> files) throws IOException {
    for (Path f : files) {
      stash.put(PATH, f, PutOptions.none());
    }
  }

  private static List<Digest> bases(ModelStash stash, int version) throws IOException {
    List<Digest> out = new ArrayList<>();
    for (ModelStash.ChunkUse c : stash.chunks(stash.resolve(Ref.version(PATH, version)))) {
      c.base().ifPresent(out::add);
    }
    return out;
  }

  @Test
  void putsAndRestoresOfAHistoryDecodeEachBaseOnce() throws IOException {
    Path store = dir.resolve("store");
    List<Path> files = history(4);
    Counting blobs = new Counting(LocalBlobStore.open(store));
    try (ModelStash stash = open(store, blobs)) {
      putAll(stash, files);
      assertThat(bases(stash, 4)).isNotEmpty();
      // the bases are the chunks the first put wrote: no put read one back from the store
      assertThat(blobs.total()).isZero();
    }

    Counting fresh = new Counting(LocalBlobStore.open(store));
    try (ModelStash stash = open(store, fresh)) {
      for (int v = 1; v <= files.size(); v++) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stash.get(Ref.version(PATH, v), out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(files.get(v - 1)));
      }
      // each version reads its own chunk objects (a chunk shared by k versions k times), and
      // nothing more: a base read for version 1 serves the deltas of versions 2, 3 and 4
      Map<Digest, Integer> uses = new java.util.HashMap<>();
      for (int v = 1; v <= files.size(); v++) {
        for (ModelStash.ChunkUse c : stash.chunks(stash.resolve(Ref.version(PATH, v)))) {
          uses.merge(c.id(), 1, Integer::sum);
        }
      }
      assertThat(uses.keySet()).containsAll(bases(stash, 4));
      Map<Digest, Integer> reads = new java.util.HashMap<>();
      fresh.reads.forEach((id, n) -> reads.put(id, n.get()));
      assertThat(reads).isEqualTo(uses);
    }
  }

  @Test
  void verifyReadsABaseThatTheProcessHoldsDecoded() throws IOException {
    Path store = dir.resolve("store");
    List<Path> files = history(3);
    Counting blobs = new Counting(LocalBlobStore.open(store));
    try (ModelStash stash = open(store, blobs)) {
      putAll(stash, files);
      Digest base = bases(stash, 3).get(0);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stash.get(Ref.version(PATH, 3), out); // the base is now cached, decoded
      // without version 1 the base is no version's own chunk: only decoding a delta reads it
      stash.remove(Ref.version(PATH, 1), false);
      Set<Digest> own = new java.util.HashSet<>();
      for (int v = 2; v <= 3; v++) {
        stash.chunks(stash.resolve(Ref.version(PATH, v))).forEach(c -> own.add(c.id()));
      }
      assertThat(own).doesNotContain(base);

      Path object = LocalBlobStore.open(store).pathOf(BlobKind.CHUNK, base);
      byte[] bytes = Files.readAllBytes(object);
      bytes[bytes.length / 2] ^= 0x10;
      object.toFile().setWritable(true);
      Files.write(object, bytes);

      VerifyReport report = stash.verify(Optional.empty(), true);
      assertThat(report.ok()).isFalse();
      assertThat(report.problems())
          .anySatisfy(
              p -> {
                assertThat(p.kind()).isEqualTo(VerifyReport.Kind.CORRUPT_CHUNK);
                assertThat(p.message()).contains(base.hex());
              });
    }
  }
}
