package io.modelstash.store.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.Catalog;
import io.modelstash.store.catalog.ChunkInfo;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.testing.TestTensors;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tensor-by-tensor differences read from stored chunks. */
class DiffTest {
  @TempDir Path dir;

  private static final ModelPath P = ModelPath.parse("proj/model");
  private static final int BIG = 300_000;

  private Path first() throws IOException {
    return TestTensors.write(
        dir.resolve("v1.safetensors"),
        List.of(
            TestTensors.floats("same", new long[] {1000}, TestTensors.gaussian(1, 1000)),
            TestTensors.floats("changed", new long[] {4}, new float[] {1, 2, 3, 4}),
            TestTensors.floats("removed", new long[] {2}, new float[] {1, 2}),
            TestTensors.floats("dtype", new long[] {2}, new float[] {1, 2}),
            TestTensors.floats("shape", new long[] {4}, new float[] {1, 2, 3, 4}),
            TestTensors.longs("ints", new long[] {4}, new long[] {1, 5, Long.MIN_VALUE, 0}),
            TestTensors.floats("big", new long[] {BIG}, TestTensors.gaussian(5, BIG))));
  }

  private Path second() throws IOException {
    float[] big = TestTensors.gaussian(5, BIG);
    big[12_345] += 1.0f;
    return TestTensors.write(
        dir.resolve("v2.safetensors"),
        List.of(
            TestTensors.floats("same", new long[] {1000}, TestTensors.gaussian(1, 1000)),
            TestTensors.floats("changed", new long[] {4}, new float[] {1, 2.5f, 3, 2}),
            TestTensors.longs("dtype", new long[] {2}, new long[] {1, 2}),
            TestTensors.floats("shape", new long[] {2, 2}, new float[] {1, 2, 3, 4}),
            TestTensors.longs("ints", new long[] {4}, new long[] {1, 5, Long.MAX_VALUE, 0}),
            TestTensors.floats("big", new long[] {BIG}, big),
            TestTensors.floats("added", new long[] {1}, new float[] {7})));
  }

  /** Both the in-memory comparison and the one that spools the first tensor to a file. */
  @ParameterizedTest
  @ValueSource(longs = {Differ.IN_MEMORY, 0})
  void reportsEveryKindOfChangeAndTheSharedBytes(long inMemory) throws IOException {
    Path store = dir.resolve("store");
    try (ModelStash stash = ModelStash.open(store)) {
      stash.put(P, first(), PutOptions.none());
      stash.put(P, second(), PutOptions.none());
      VersionInfo a = stash.resolve(Ref.version(P, 1));
      VersionInfo b = stash.resolve(Ref.version(P, 2));
      VersionDiff d =
          new Differ(store.resolve("tmp"), inMemory)
              .diff(
                  a,
                  stash.tensors(a.id().toRef()),
                  chunks(stash, a),
                  b,
                  stash.tensors(b.id().toRef()),
                  chunks(stash, b));
      Map<String, TensorChange> byName =
          d.tensors().stream().collect(Collectors.toMap(TensorChange::name, t -> t));
      assertThat(d.tensors())
          .extracting(TensorChange::name)
          .containsExactlyInAnyOrder(
              "same", "changed", "removed", "dtype", "shape", "ints", "big", "added")
          .endsWith("added");
      assertThat(byName.get("same").status()).isEqualTo(TensorChange.Status.SAME);
      assertThat(byName.get("same").differing()).hasValue(0);
      assertThat(byName.get("removed").status()).isEqualTo(TensorChange.Status.REMOVED);
      assertThat(byName.get("added").status()).isEqualTo(TensorChange.Status.ADDED);
      assertThat(byName.get("dtype").status()).isEqualTo(TensorChange.Status.DTYPE_CHANGED);
      assertThat(byName.get("dtype").toDtype()).contains("int64");
      assertThat(byName.get("shape").status()).isEqualTo(TensorChange.Status.SHAPE_CHANGED);

      TensorChange changed = byName.get("changed");
      assertThat(changed.status()).isEqualTo(TensorChange.Status.CHANGED);
      assertThat(changed.differing()).hasValue(2);
      assertThat(changed.fractionDiffering()).hasValue(0.5);
      assertThat(changed.maxAbsDiff()).contains(2.0);
      assertThat(changed.relativeL2().getAsDouble())
          .isCloseTo(Math.sqrt(4.25) / Math.sqrt(30), within(1e-12));

      TensorChange ints = byName.get("ints");
      assertThat(ints.differing()).hasValue(1);
      assertThat(ints.maxAbsDiff()).contains(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE));

      TensorChange big = byName.get("big");
      assertThat(big.elements()).hasValue(BIG);
      assertThat(big.differing()).hasValue(1);
      assertThat(((Double) big.maxAbsDiff().get())).isCloseTo(1.0, within(1e-6));

      Map<Digest, Long> sizes = sizes(store);
      Set<Digest> inA = chunkIds(stash.manifest(a));
      Set<Digest> inB = chunkIds(stash.manifest(b));
      long shared = 0;
      for (Digest c : inA) {
        if (inB.contains(c)) {
          shared += sizes.get(c);
        }
      }
      assertThat(d.sharedStoredBytes()).isEqualTo(shared).isPositive();
      assertThat(d.fromStoredBytes()).isEqualTo(inA.stream().mapToLong(sizes::get).sum());
      assertThat(d.toStoredBytes()).isGreaterThan(shared);
      try (Stream<Path> tmp = Files.list(store.resolve("tmp"))) {
        assertThat(tmp).isEmpty();
      }
    }
  }

  /** The chunks the catalog records for a version, read through a second catalog connection. */
  private List<ChunkInfo> chunks(ModelStash s, VersionInfo v) throws IOException {
    try (Catalog c = SqliteCatalog.open(s.directory().resolve("catalog.db"))) {
      return c.versionChunks(v.id());
    }
  }

  private static Map<Digest, Long> sizes(Path store) throws IOException {
    Map<Digest, Long> out = new HashMap<>();
    try (Stream<BlobInfo> s = LocalBlobStore.open(store).list(BlobKind.CHUNK)) {
      s.forEach(b -> out.put(b.id(), b.size()));
    }
    return out;
  }

  private static Set<Digest> chunkIds(Manifest m) {
    Set<Digest> out = new HashSet<>();
    walk(m.layout(), out);
    return out;
  }

  private static void walk(Manifest.Layout l, Set<Digest> out) {
    l.opaqueChunks().forEach(c -> out.add(c.id()));
    for (Manifest.Segment s : l.segments()) {
      if (s instanceof Manifest.Payload) {
        ((Manifest.Payload) s).chunks().forEach(c -> out.add(c.id()));
      } else if (s instanceof Manifest.Deflated) {
        walk(((Manifest.Deflated) s).inner(), out);
      }
    }
  }
}
