package io.modelstash.store.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.DType;
import io.modelstash.format.testing.Expected;
import io.modelstash.format.testing.ExpectedTensor;
import io.modelstash.format.testing.Fixtures;
import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.StoreException;
import io.modelstash.store.blob.BlobInfo;
import io.modelstash.store.blob.BlobKind;
import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.manifest.Manifest;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.testing.TestTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-tensor reads from stored chunks, checked against what PyTorch saved. */
class StoredTensorTest {
  @TempDir Path dir;

  /** Fixtures whose tensors all lie in plain byte ranges of the file. */
  private static boolean allReadable(Path fixture) {
    return !fixture.getFileName().toString().equals("legacy_views.pt");
  }

  @Test
  void everyFixtureTensorReadsFromItsChunksWithTheSavedSha256() throws IOException {
    int checked = 0;
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      for (Path f : Fixtures.torch()) {
        Expected expected = Fixtures.expected(f);
        if (expected.mustBeRefused()) {
          continue;
        }
        ModelPath p =
            ModelPath.parse(
                "fixtures/" + f.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_"));
        stash.put(p, f, PutOptions.none());
        List<StoredTensor> tensors = stash.tensors(Ref.latest(p));
        assertThat(tensors).as(f.toString()).hasSameSizeAs(expected.tensors());
        for (int i = 0; i < tensors.size(); i++) {
          StoredTensor t = tensors.get(i);
          ExpectedTensor e = expected.tensors().get(i);
          assertThat(t.name()).isEqualTo(e.name());
          assertThat(t.dtypeName()).isEqualTo(e.dtype());
          assertThat(t.shape()).isEqualTo(e.shape());
          if (!t.isReadable()) {
            assertThat(allReadable(f))
                .as(f + " " + t.name() + " " + t.unreadableReason())
                .isFalse();
            continue;
          }
          ByteArrayOutputStream out = new ByteArrayOutputStream();
          t.writeTo(out);
          assertThat(Digest.of(out.toByteArray()).hex())
              .as(f + " " + t.name())
              .isEqualTo(e.sha256());
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(100);
  }

  @Test
  void readsOnlyTheChunksThatHoldTheTensor() throws IOException {
    Path store = dir.resolve("store");
    int n = 600_000; // 2.4 MB each: three chunks per tensor
    Path file =
        TestTensors.write(
            dir.resolve("three.safetensors"),
            List.of(
                TestTensors.floats("a", new long[] {n}, TestTensors.gaussian(1, n)),
                TestTensors.floats("b", new long[] {600, 1000}, TestTensors.gaussian(2, n)),
                TestTensors.floats("c", new long[] {n}, TestTensors.gaussian(3, n))));
    ModelPath p = ModelPath.parse("m");
    try (ModelStash stash = ModelStash.open(store)) {
      stash.put(p, file, PutOptions.none());
      StoredTensor b = stash.tensor(Ref.latest(p), "b");
      Set<Digest> mine = new HashSet<>();
      for (Manifest.ChunkRef c : b.chunks()) {
        mine.add(c.id());
      }
      assertThat(mine).hasSize(3);
      LocalBlobStore blobs = LocalBlobStore.open(store);
      List<BlobInfo> others = new ArrayList<>();
      try (Stream<BlobInfo> all = blobs.list(BlobKind.CHUNK)) {
        all.filter(c -> !mine.contains(c.id())).forEach(others::add);
      }
      assertThat(others).isNotEmpty();
      for (BlobInfo c : others) {
        Files.delete(blobs.pathOf(BlobKind.CHUNK, c.id()));
      }
      FloatBuffer values = b.floats();
      float[] expected = TestTensors.gaussian(2, n);
      assertThat(values.remaining()).isEqualTo(n);
      for (int i = 0; i < n; i += 997) {
        assertThat(values.get(i)).isEqualTo(expected[i]);
      }
      assertThatThrownBy(() -> stash.tensor(Ref.latest(p), "a").bytes())
          .hasMessageContaining("is not in the blob store");
    }
  }

  @Test
  void typedBuffersAndRefusals() throws IOException {
    byte[] bf16 = {(byte) 0x80, 0x3f, 0x00, (byte) 0xc0, 0x40, 0x40}; // 1.0, -2.0, 3.0
    byte[] half = {0x00, 0x3c, 0x00, 0x38}; // 1.0, 0.5
    Path file =
        TestTensors.write(
            dir.resolve("small.safetensors"),
            List.of(
                TestTensors.raw("bf", DType.BFLOAT16, new long[] {3}, bf16),
                TestTensors.raw("h", DType.FLOAT16, new long[] {2}, half),
                TestTensors.longs("i", new long[] {2, 2}, new long[] {1, -2, 3, Long.MAX_VALUE})));
    ModelPath p = ModelPath.parse("m");
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      stash.put(p, file, PutOptions.none());
      FloatBuffer bf = stash.tensor(Ref.latest(p), "bf").floats();
      assertThat(new float[] {bf.get(0), bf.get(1), bf.get(2)}).containsExactly(1f, -2f, 3f);
      FloatBuffer h = stash.tensor(Ref.latest(p), "h").floats();
      assertThat(new float[] {h.get(0), h.get(1)}).containsExactly(1f, 0.5f);
      ByteBuffer i = stash.tensor(Ref.latest(p), "i").bytes();
      assertThat(i.order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
      assertThat(i.isReadOnly()).isTrue();
      assertThat(i.getLong(8)).isEqualTo(-2);
      assertThat(i.getLong(24)).isEqualTo(Long.MAX_VALUE);
      assertThatThrownBy(() -> stash.tensor(Ref.latest(p), "nope"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("No tensor 'nope'");
      StoredTensor b = stash.tensor(Ref.latest(p), "bf");
      assertThatThrownBy(() -> Npy.write(b, new ByteArrayOutputStream(), false))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("NumPy has no bfloat16 dtype")
          .hasMessageContaining("--as float32");
    }
  }

  @Test
  void halfAndFloat8ConvertExactly() {
    assertThat(Elements.halfToFloat(0x3c00)).isEqualTo(1f);
    assertThat(Elements.halfToFloat(0xc000)).isEqualTo(-2f);
    assertThat(Elements.halfToFloat(0x0001)).isEqualTo(0x1p-24f);
    assertThat(Elements.halfToFloat(0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(Elements.halfToFloat(0x7e00)).isNaN();
    assertThat(Elements.e4m3fn(0x38)).isEqualTo(1f);
    assertThat(Elements.e4m3fn(0x7e)).isEqualTo(448f);
    assertThat(Elements.e4m3fn(0x01)).isEqualTo(0x1p-9f);
    assertThat(Elements.e4m3fn(0xff)).isNaN();
    assertThat(Elements.e4m3fn(0xb8)).isEqualTo(-1f);
  }
}
