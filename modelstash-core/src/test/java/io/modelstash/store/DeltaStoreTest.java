package io.modelstash.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.DType;
import io.modelstash.format.safetensors.SafetensorsWriter;
import io.modelstash.store.catalog.VersionInfo;
import io.modelstash.store.chunk.ChunkFormat;
import io.modelstash.store.lifecycle.GcOptions;
import io.modelstash.store.lifecycle.RetentionPolicy;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deltas across versions: a training history stores later versions as deltas against the one
 * before, a fine-tune against the base named with {@code --base}, every delta points at a
 * standalone chunk, and every version restores byte for byte.
 */
class DeltaStoreTest {
  @TempDir Path dir;

  /** Weights of a few tensors; each step adds small noise, like an optimizer step. */
  static final class Weights {
    final Map<String, float[]> tensors = new java.util.LinkedHashMap<>();
    final Random random;

    Weights(long seed) {
      random = new Random(seed);
      for (int t = 0; t < 3; t++) {
        float[] v = new float[1 << 19];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) random.nextGaussian() * 0.02f;
        }
        tensors.put("layer" + t + ".weight", v);
      }
    }

    void step(float scale, Set<String> frozen) {
      for (Map.Entry<String, float[]> e : tensors.entrySet()) {
        if (frozen.contains(e.getKey())) {
          continue;
        }
        float[] v = e.getValue();
        for (int i = 0; i < v.length; i++) {
          v[i] += (float) random.nextGaussian() * scale;
        }
      }
    }

    Path save(Path file) throws IOException {
      return DeltaStoreTest.save(tensors, file);
    }
  }

  /** Writes float32 tensors, in order, as a safetensors file. */
  static Path save(Map<String, float[]> tensors, Path file) throws IOException {
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, float[]> e : tensors.entrySet()) {
      float[] v = e.getValue().clone();
      entries.add(
          new SafetensorsWriter.Entry(
              e.getKey(),
              DType.FLOAT32,
              new long[] {v.length},
              out -> {
                ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                out.write(b.array());
              }));
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      SafetensorsWriter.write(out, Map.of(), entries);
    }
    return file;
  }

  private static boolean isDelta(int codec) {
    return codec == ChunkFormat.CODEC_XOR_DELTA
        || codec == ChunkFormat.CODEC_SUBTRACT_DELTA
        || codec == ChunkFormat.CODEC_MAGNITUDE_DELTA;
  }

  @Test
  void aTrainingHistoryIsStoredAsDeltasOfDepthOne() throws IOException {
    ModelPath path = ModelPath.parse("run/model");
    Weights w = new Weights(1);
    List<Path> files = new ArrayList<>();
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      for (int v = 1; v <= 4; v++) {
        Path f = w.save(dir.resolve("v" + v + ".safetensors"));
        files.add(f);
        stash.put(path, f, PutOptions.none());
        w.step(1e-5f, Set.of());
      }
      VersionInfo first = stash.resolve(Ref.version(path, 1));
      VersionInfo last = stash.resolve(Ref.version(path, 4));
      assertThat(last.storedBytesAdded()).isLessThan(first.storedBytesAdded() * 3 / 4);

      Map<Digest, Integer> codecOf = new HashMap<>();
      for (int v = 1; v <= 4; v++) {
        for (ModelStash.ChunkUse c : stash.chunks(stash.resolve(Ref.version(path, v)))) {
          codecOf.put(c.id(), c.codec());
        }
      }
      List<ModelStash.ChunkUse> later = stash.chunks(last);
      List<ModelStash.ChunkUse> deltas =
          later.stream().filter(c -> isDelta(c.codec())).collect(Collectors.toList());
      assertThat(deltas).isNotEmpty();
      for (ModelStash.ChunkUse c : deltas) {
        // the base of a delta is stored standalone: a read needs at most two chunks
        assertThat(c.base()).isPresent();
        assertThat(isDelta(codecOf.get(c.base().get()))).isFalse();
      }
      for (int v = 1; v <= 4; v++) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stash.get(Ref.version(path, v), out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(files.get(v - 1)));
      }

      // the codec report covers every distinct chunk once, and the deltas appear in it
      List<ModelStash.CodecUsage> usage = stash.codecUsage(java.util.Optional.empty());
      io.modelstash.store.catalog.CatalogStats stats = stash.stats(java.util.Optional.empty());
      assertThat(usage.stream().mapToLong(ModelStash.CodecUsage::chunks).sum())
          .isEqualTo(stats.chunks());
      assertThat(usage.stream().mapToLong(ModelStash.CodecUsage::storedBytes).sum())
          .isEqualTo(stats.storedBytes());
      assertThat(usage).anyMatch(u -> isDelta(u.codec()));
      for (ModelStash.CodecUsage u : usage) {
        assertThat(u.codedBytes()).isLessThan(u.storedBytes());
        if (u.codec() != ChunkFormat.CODEC_ZSTD && u.codec() != ChunkFormat.CODEC_STORED) {
          // float streams have no repeats for zstd to find: order-0 entropy is a real floor
          assertThat((double) u.codedBytes()).isBetween(u.entropyBytes(), u.entropyBytes() * 1.1);
        }
      }
    }
  }

  /**
   * Large steps, then small ones, as when a learning rate drops: version 2 is a delta against
   * version 1 but far from it, version 3 is a small step from version 2. Against version 1 it would
   * be about as costly as version 2's delta, for every later version too; instead it becomes a new
   * base, and version 4 is a small delta against it. The choice is the same whether the store still
   * holds version 2's chunks decoded or has to decode them.
   */
  @Test
  void aHistoryThatSettlesStartsANewBase() throws IOException {
    List<List<ModelStash.ChunkUse>> kept = history(dir.resolve("kept"), false);
    List<List<ModelStash.ChunkUse>> reopened = history(dir.resolve("reopened"), true);
    assertThat(reopened).isEqualTo(kept);
  }

  /** Stores the history; returns the chunks of its tensors, version by version. */
  private List<List<ModelStash.ChunkUse>> history(Path root, boolean reopenEachTime)
      throws IOException {
    ModelPath path = ModelPath.parse("run/model");
    Weights w = new Weights(3);
    float[] steps = {3e-3f, 1e-7f, 1e-7f};
    List<Path> files = new ArrayList<>();
    ModelStash stash = ModelStash.open(root.resolve("store"));
    try {
      for (int v = 1; v <= 4; v++) {
        files.add(w.save(Files.createDirectories(root).resolve("v" + v + ".safetensors")));
        if (reopenEachTime && v > 1) {
          stash.close();
          stash = ModelStash.open(root.resolve("store"));
        }
        stash.put(path, files.get(v - 1), PutOptions.none());
        if (v < 4) {
          w.step(steps[v - 1], Set.of());
        }
      }
      List<List<ModelStash.ChunkUse>> floats = new ArrayList<>();
      for (int v = 1; v <= 4; v++) {
        floats.add(
            stash.chunks(stash.resolve(Ref.version(path, v))).stream()
                .filter(c -> !c.segment().equals("(opaque)"))
                .toList());
      }
      assertThat(floats.get(1)).as("version 2").allMatch(c -> isDelta(c.codec()));
      assertThat(floats.get(2)).as("version 3").allMatch(c -> c.base().isEmpty());
      for (int i = 0; i < floats.get(3).size(); i++) {
        assertThat(floats.get(3).get(i).base()).as("version 4").contains(floats.get(2).get(i).id());
      }
      long[] added = new long[4];
      for (int v = 1; v <= 4; v++) {
        VersionInfo info = stash.resolve(Ref.version(path, v));
        added[v - 1] = info.storedBytesAdded();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stash.get(Ref.version(path, v), out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(files.get(v - 1)));
      }
      // version 3 costs more than a delta against version 1 would have, version 4 far less
      assertThat(added[3]).isLessThan(added[1] / 2);
      return floats;
    } finally {
      stash.close();
    }
  }

  /**
   * Fine-tunes of a named base that is itself a delta: each is much closer to that base than to its
   * keyframe, but no fine-tune deltas against another, so a new keyframe would never be repaid;
   * they stay deltas against the keyframe.
   */
  @Test
  void fineTunesOfABaseThatIsADeltaStayDeltas() throws IOException {
    Weights w = new Weights(4);
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      ModelPath hub = ModelPath.parse("hub/base");
      stash.put(hub, w.save(dir.resolve("b1.safetensors")), PutOptions.none());
      w.step(3e-3f, Set.of());
      stash.put(hub, w.save(dir.resolve("b2.safetensors")), PutOptions.none());
      List<ModelStash.ChunkUse> keyframes = stash.chunks(stash.resolve(Ref.version(hub, 1)));
      Set<Digest> keyframeIds =
          keyframes.stream().map(ModelStash.ChunkUse::id).collect(Collectors.toSet());
      assertThat(stash.chunks(stash.resolve(Ref.version(hub, 2))))
          .filteredOn(c -> !c.segment().equals("(opaque)"))
          .allMatch(c -> c.base().isPresent() && keyframeIds.contains(c.base().get()));
      for (String name : List.of("ft-a", "ft-b")) {
        Weights ft = new Weights(4);
        ft.tensors.clear();
        w.tensors.forEach((k, v) -> ft.tensors.put(k, v.clone()));
        ft.step(1e-7f, Set.of());
        ModelPath path = ModelPath.parse("family/" + name);
        stash.put(
            path,
            ft.save(dir.resolve(name + ".safetensors")),
            PutOptions.none().withBase(Ref.version(hub, 2)));
        assertThat(stash.chunks(stash.resolve(Ref.latest(path))))
            .as(name)
            .filteredOn(c -> !c.segment().equals("(opaque)"))
            .allMatch(c -> c.base().isPresent() && keyframeIds.contains(c.base().get()));
      }
    }
  }

  @Test
  void aFineTuneIsStoredAgainstTheBaseItNames() throws IOException {
    Weights w = new Weights(2);
    Path pretrained = w.save(dir.resolve("base.safetensors"));
    w.step(2e-5f, Set.of("layer0.weight"));
    Path finetuned = w.save(dir.resolve("ft.safetensors"));
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      stash.put(ModelPath.parse("hub/base"), pretrained, PutOptions.none());
      PutResult withBase =
          stash.put(
              ModelPath.parse("family/ft"),
              finetuned,
              PutOptions.none().withBase(Ref.parse("hub/base")));
      // the frozen layer is shared outright and the others are deltas against the base
      assertThat(withBase.storedBytesAdded()).isLessThan(Files.size(finetuned) / 2);
      List<ModelStash.ChunkUse> chunks =
          stash.chunks(stash.resolve(Ref.latest(ModelPath.parse("family/ft"))));
      assertThat(chunks)
          .as(chunks.stream().map(c -> c.segment() + ":" + c.codec()).toList().toString())
          .anyMatch(c -> isDelta(c.codec()));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stash.get(Ref.latest(ModelPath.parse("family/ft")), out);
      assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(finetuned));
      assertThat(withBase.id().number()).isEqualTo(1L);
      // the same file under another path reuses those chunks: nothing but a manifest is added
      PutResult again = stash.put(ModelPath.parse("scratch/ft"), finetuned, PutOptions.none());
      assertThat(again.storedBytesAdded()).isLessThan(Files.size(finetuned) / 100);
    }
  }

  /** A model of many small tensors, all of which travel in the opaque stream with the header. */
  private static Path smallTensors(Path file, int version) throws IOException {
    Random r = new Random(7);
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (int t = 0; t < 300; t++) {
      ByteBuffer b = ByteBuffer.allocate(64 * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < 64; i++) {
        float v = 1f + (float) r.nextGaussian() * 0.05f;
        // a quarter of the tensors move a little from version to version; the rest are frozen
        if (t % 4 == 0) {
          v += version * 1e-3f * i;
        }
        b.putFloat(v);
      }
      byte[] bytes = b.array();
      entries.add(
          new SafetensorsWriter.Entry(
              "blocks." + t + ".norm.weight",
              DType.FLOAT32,
              new long[] {64},
              out -> out.write(bytes)));
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      SafetensorsWriter.write(out, Map.of("step", Integer.toString(100 * version)), entries);
    }
    return file;
  }

  @Test
  void theBytesAroundTheTensorsAreStoredAgainstTheBaseVersions() throws IOException {
    ModelPath path = ModelPath.parse("run/small");
    List<Path> files = new ArrayList<>();
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      for (int v = 1; v <= 3; v++) {
        files.add(smallTensors(dir.resolve("s" + v + ".safetensors"), v));
        stash.put(path, files.get(v - 1), PutOptions.none());
      }
      List<ModelStash.ChunkUse> first = stash.chunks(stash.resolve(Ref.version(path, 1)));
      assertThat(first).singleElement().satisfies(c -> assertThat(c.base()).isEmpty());
      for (int v = 2; v <= 3; v++) {
        VersionInfo info = stash.resolve(Ref.version(path, v));
        List<ModelStash.ChunkUse> chunks = stash.chunks(info);
        // one opaque chunk, a delta against version 1's: depth 1 holds for opaque chunks too
        assertThat(chunks)
            .singleElement()
            .satisfies(
                c -> {
                  assertThat(c.segment()).isEqualTo("(opaque)");
                  assertThat(c.base()).contains(first.get(0).id());
                });
        long plain = stash.resolve(Ref.version(path, 1)).storedBytesAdded();
        assertThat(info.storedBytesAdded()).isLessThan(plain / 2);
      }
      // the base outlives the version that wrote it
      stash.remove(Ref.version(path, 1), false);
      stash.gc(new GcOptions(Optional.empty(), RetentionPolicy.none(), Duration.ZERO, false));
      for (int v = 2; v <= 3; v++) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        stash.get(Ref.version(path, v), out);
        assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(files.get(v - 1)));
      }
      assertThat(stash.verify(Optional.empty(), true).problems()).isEmpty();
      // stats can price a patch chunk: it decodes it against its base
      assertThat(stash.codecUsage(Optional.empty())).isNotEmpty();
    }
  }

  /**
   * A catalog that counts the calls of each method, for the round trips a remote one would make.
   */
  private static io.modelstash.store.catalog.Catalog counting(
      io.modelstash.store.catalog.Catalog real, Map<String, Integer> calls) {
    return (io.modelstash.store.catalog.Catalog)
        java.lang.reflect.Proxy.newProxyInstance(
            io.modelstash.store.catalog.Catalog.class.getClassLoader(),
            new Class<?>[] {io.modelstash.store.catalog.Catalog.class},
            (proxy, method, args) -> {
              synchronized (calls) {
                calls.merge(method.getName(), 1, Integer::sum);
              }
              try {
                return method.invoke(real, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  /** A store in {@code store} whose catalog counts its calls into {@code calls}. */
  private static ModelStash countingStore(Path store, Map<String, Integer> calls)
      throws IOException {
    return ModelStash.using(
        store,
        counting(
            io.modelstash.store.catalog.sqlite.SqliteCatalog.open(store.resolve("catalog.db")),
            calls),
        io.modelstash.store.blob.LocalBlobStore.open(store));
  }

  @Test
  void aPutLooksUpItsBaseVersionsChunkRecordsAtOnce() throws IOException {
    Path store = Files.createDirectories(dir.resolve("store"));
    Map<String, Integer> calls = new HashMap<>();
    ModelPath path = ModelPath.parse("run/model");
    Weights w = new Weights(5);
    try (ModelStash stash = countingStore(store, calls)) {
      stash.put(path, w.save(dir.resolve("v1.safetensors")), PutOptions.none());
      w.step(1e-5f, Set.of("layer0.weight"));
      Path second = w.save(dir.resolve("v2.safetensors"));
      calls.clear();
      stash.put(path, second, PutOptions.none());
      List<ModelStash.ChunkUse> chunks = stash.chunks(stash.resolve(Ref.version(path, 2)));
      long deltas = chunks.stream().filter(c -> c.base().isPresent()).count();
      java.util.Set<Digest> before = new java.util.HashSet<>();
      for (ModelStash.ChunkUse c : stash.chunks(stash.resolve(Ref.version(path, 1)))) {
        before.add(c.id());
      }
      long unchanged = chunks.stream().filter(c -> before.contains(c.id())).count();
      assertThat(deltas).as("the changed tensors are deltas").isPositive();
      assertThat(unchanged).as("the frozen tensor is shared").isPositive();
      // one batched query for the base's records, then batched queries for the new chunks (fewer
      // than one per chunk); no single lookups, none for the deltas' bases or the shared chunks
      assertThat(calls.get("liveChunkInfos")).isLessThan(1 + (int) (chunks.size() - unchanged));
      assertThat(calls.getOrDefault("chunkInfo", 0)).isZero();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stash.get(Ref.version(path, 2), out);
      assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(second));
    }
  }

  @Test
  void aPutAsksTheCatalogAboutItsNewChunksInBatches() throws IOException {
    Path store = Files.createDirectories(dir.resolve("store"));
    Map<String, Integer> calls = new HashMap<>();
    ModelPath path = ModelPath.parse("run/many");
    Random random = new Random(9);
    float[][] tensors = new float[48][4096]; // 16 KiB each: a chunk of its own
    for (float[] t : tensors) {
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) random.nextGaussian() * 0.02f;
      }
    }
    try (ModelStash stash = countingStore(store, calls)) {
      stash.put(path, saveAll(tensors, dir.resolve("v1.safetensors")), PutOptions.none());
      for (float[] t : tensors) {
        for (int i = 0; i < t.length; i++) {
          t[i] += (float) random.nextGaussian() * 1e-5f;
        }
      }
      Path second = saveAll(tensors, dir.resolve("v2.safetensors"));
      calls.clear();
      stash.put(path, second, PutOptions.none());
      // every tensor changed: 48 new chunks, and per-chunk lookups would make 48 round trips
      assertThat(stash.chunks(stash.resolve(Ref.version(path, 2))))
          .filteredOn(c -> c.base().isPresent())
          .hasSize(48);
      assertThat(calls.getOrDefault("chunkInfo", 0)).isZero();
      assertThat(calls.get("liveChunkInfos")).isBetween(2, 16);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      stash.get(Ref.version(path, 2), out);
      assertThat(out.toByteArray()).isEqualTo(Files.readAllBytes(second));
    }
  }

  private static Path saveAll(float[][] tensors, Path file) throws IOException {
    Map<String, float[]> named = new java.util.LinkedHashMap<>();
    for (int k = 0; k < tensors.length; k++) {
      named.put("t" + k, tensors[k]);
    }
    return save(named, file);
  }
}
