package io.modelstash.store.chunk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * Writes the checked-in chunk objects that {@link GoldenChunkTest} decodes, one per codec and a few
 * widths, so a change that breaks reading what earlier versions wrote fails a test. Run once per
 * format change with the resources directory as argument: it adds the objects that are missing and
 * never rewrites one that exists, so the objects of every earlier format version stay.
 */
public final class GoldenChunks {

  private GoldenChunks() {}

  public static void main(String[] args) throws IOException {
    Path dir = Paths.get(args[0]);
    Files.createDirectories(dir);
    Path indexFile = dir.resolve("index.txt");
    StringBuilder index =
        new StringBuilder(
            Files.exists(indexFile) ? Files.readString(indexFile, StandardCharsets.UTF_8) : "");
    byte[] f32 = FloatData.mixed(4, 300, 3, 1);
    byte[] f32b = FloatData.nudged(f32, 4, 0.2, 2);
    byte[] bf16 = FloatData.gaussian(2, 700, 1, 0.02, 3);
    byte[] bf16b = FloatData.nudged(bf16, 2, 0.3, 4);
    byte[] f64 = FloatData.gaussian(8, 200, 0, 1.0, 5);
    index.append(write(dir, "stored", ChunkEncoder.encode(f32, StoredCodec.INSTANCE), null));
    index.append(write(dir, "zstd", ChunkEncoder.encode(new byte[3000], new ZstdCodec()), null));
    index.append(
        write(dir, "bytegroup-f32-rotated", ChunkEncoder.encode(f32b, group(4, true)), null));
    index.append(write(dir, "bytegroup-bf16", ChunkEncoder.encode(bf16, group(2, false)), null));
    index.append(write(dir, "bytegroup-f64", ChunkEncoder.encode(f64, group(8, false)), null));
    index.append(
        write(
            dir,
            "xor-f32",
            ChunkEncoder.encodeDelta(
                f32b,
                new XorDeltaCodec(ElementType.FLOAT32, false),
                ChunkEncoder.Base.of(f32, true)),
            f32));
    index.append(
        write(
            dir,
            "subtract-f32-rotated",
            ChunkEncoder.encodeDelta(
                f32b,
                new SubtractDeltaCodec(ElementType.FLOAT32, true),
                ChunkEncoder.Base.of(f32, true)),
            f32));
    index.append(
        write(
            dir,
            "best-bf16",
            ChunkEncoder.encodeBest(
                bf16b, ElementType.FLOAT16, Optional.of(ChunkEncoder.Base.of(bf16, true))),
            bf16));
    // Version 2: streams dominated by one byte are rANS-coded.
    index.append(
        write(
            dir,
            "v2-bytegroup-f32-rans",
            ChunkEncoder.encode(FloatData.gaussian(4, 3000, 1, 0.02, 6), group(4, true)),
            null));
    index.append(
        write(
            dir,
            "v2-best-bf16-rans",
            ChunkEncoder.encodeBest(
                bf16b, ElementType.FLOAT16, Optional.of(ChunkEncoder.Base.of(bf16, true))),
            bf16));
    // Version 3: opaque bytes patched against a base of another length.
    byte[] headers = PatchCodecTest.headers(400, 10);
    index.append(
        write(
            dir,
            "v3-patch-opaque",
            ChunkEncoder.encodeDelta(
                PatchCodecTest.insert(headers, 5000, 40, 11),
                new PatchCodec(),
                ChunkEncoder.Base.of(headers, true)),
            headers));
    // Version 4: deltas coded by magnitude, with a tail and in every width the codec takes.
    byte[] f32w = FloatData.gaussian(4, 5000, 3, 0.02, 12);
    index.append(
        magnitude(
            dir,
            "v4-magnitude-f32",
            FloatData.nudged(f32w, 4, 0.3, 13),
            ElementType.FLOAT32,
            f32w));
    index.append(magnitude(dir, "v4-magnitude-bf16", bf16b, ElementType.FLOAT16, bf16));
    byte[] f64b = FloatData.nudged(f64, 8, 0.5, 14);
    index.append(magnitude(dir, "v4-magnitude-f64", f64b, ElementType.FLOAT64, f64));
    // Version 4: a magnitude delta where only the smallest values changed, so the contexts of the
    // larger exponents hold one symbol only (stream method 1).
    byte[] half = f32w.clone();
    java.nio.ByteBuffer hb = java.nio.ByteBuffer.wrap(half).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 5000; i++) {
      if (Math.abs(hb.getFloat(4 * i)) < 0.004f) {
        hb.putInt(4 * i, hb.getInt(4 * i) + 3);
      }
    }
    index.append(magnitude(dir, "v4-magnitude-f32-constant", half, ElementType.FLOAT32, f32w));
    // Version 4: an exponent stream coded with its neighbours as context.
    index.append(
        write(
            dir,
            "v4-bytegroup-f32-context",
            ChunkEncoder.encode(ByteGroupingCodecTest.drifting(8192, 15), group(4, true)),
            null));
    Files.writeString(indexFile, index.toString(), StandardCharsets.UTF_8);
  }

  /** A golden magnitude delta of {@code raw} against {@code base}. */
  private static String magnitude(Path dir, String name, byte[] raw, ElementType type, byte[] base)
      throws IOException {
    return write(
        dir,
        name,
        ChunkEncoder.encodeDelta(
            raw, new MagnitudeDeltaCodec(type), ChunkEncoder.Base.of(base, true)),
        base);
  }

  private static ByteGroupingCodec group(int width, boolean rotate) {
    return new ByteGroupingCodec(new ElementType(width, true, false), rotate);
  }

  /**
   * Writes one golden object unless it exists: objects an earlier version wrote stay as they are.
   */
  private static String write(Path dir, String name, EncodedChunk c, byte[] base)
      throws IOException {
    Path object = dir.resolve(name + ".msck");
    if (Files.exists(object)) {
      return "";
    }
    Files.write(object, c.toByteArray());
    if (base != null) {
      Files.write(dir.resolve(name + ".base"), base);
    }
    return name + " " + c.codecId() + " " + c.id() + " " + ChunkFormat.VERSION + "\n";
  }
}
