package io.modelstash.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.store.blob.LocalBlobStore;
import io.modelstash.store.catalog.sqlite.SqliteCatalog;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore decodes the chunks of the tensors ahead while it writes the bytes before them: a
 * checkpoint is mostly tensors of one chunk each, with opaque bytes between them, and decoding only
 * within the segment being written left the other cores idle.
 */
class RestoreAheadTest {
  private static final ModelPath PATH = ModelPath.parse("run/model");

  @TempDir Path dir;

  /**
   * Output whose first write waits until the store has read {@code reads} chunk objects (or 10 s
   * passed, when nothing reads ahead), and notes how many it had read by then.
   */
  private static final class FirstWriteWaits extends ByteArrayOutputStream {
    private final BaseCacheTest.Counting blobs;
    private final int reads;
    int readBeforeFirstWrite = -1;

    FirstWriteWaits(BaseCacheTest.Counting blobs, int reads) {
      this.blobs = blobs;
      this.reads = reads;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      if (readBeforeFirstWrite < 0) {
        long until = System.nanoTime() + 10_000_000_000L;
        while (blobs.total() < reads && System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        readBeforeFirstWrite = blobs.total();
      }
      super.write(b, off, len);
    }
  }

  /** Chunk objects read from the store {@link #storeOf} made. */
  private BaseCacheTest.Counting blobs;

  /** A store holding {@code file} as version 1 of {@link #PATH}, read through {@link #blobs}. */
  private ModelStash storeOf(Path file) throws Exception {
    Path store = dir.resolve("store");
    blobs = new BaseCacheTest.Counting(LocalBlobStore.open(store));
    ModelStash stash =
        ModelStash.using(store, SqliteCatalog.open(store.resolve("catalog.db")), blobs);
    stash.put(PATH, file, PutOptions.none());
    assertThat(blobs.total()).isZero(); // nothing read yet: the put kept what it wrote
    return stash;
  }

  @Test
  void chunksOfLaterTensorsAreReadBeforeTheFirstByteIsWritten() throws Exception {
    Map<String, float[]> tensors = new LinkedHashMap<>();
    Random random = new Random(3);
    for (int t = 0; t < 8; t++) {
      float[] v = new float[4096];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextGaussian();
      }
      tensors.put("layer" + t + ".weight", v);
    }
    Path file = DeltaStoreTest.save(tensors, dir.resolve("model.safetensors"));
    try (ModelStash stash = storeOf(file)) {
      int chunks = stash.chunks(stash.resolve(Ref.version(PATH, 1))).size();
      assertThat(chunks).isGreaterThanOrEqualTo(9); // the header's chunk and one per tensor

      // the first write (the header's bytes) waits until five chunk objects were read
      FirstWriteWaits out = new FirstWriteWaits(blobs, 5);
      stash.get(Ref.version(PATH, 1), out);

      assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(file));
      // the window holds at least four chunks on any machine; one segment at a time read only
      // the header's chunk here
      assertThat(out.readBeforeFirstWrite).isGreaterThanOrEqualTo(5);
    }
  }

  @Test
  void aTensorReadDecodesItsNextChunksWhileWritingTheFirst() throws Exception {
    float[] big = new float[5 << 18]; // five chunks of 1 MiB
    Random random = new Random(5);
    for (int i = 0; i < big.length; i++) {
      big[i] = (float) random.nextGaussian();
    }
    Path file = DeltaStoreTest.save(Map.of("big", big), dir.resolve("big.safetensors"));
    try (ModelStash stash = storeOf(file)) {

      FirstWriteWaits out = new FirstWriteWaits(blobs, 4);
      stash.tensor(Ref.version(PATH, 1), "big").writeTo(out);

      byte[] expected = new byte[big.length * 4];
      java.nio.ByteBuffer.wrap(expected)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .put(big);
      assertThat(out.toByteArray()).isEqualTo(expected);
      // one chunk at a time read the first chunk only before writing it
      assertThat(out.readBeforeFirstWrite).isGreaterThanOrEqualTo(4);
    }
  }
}
