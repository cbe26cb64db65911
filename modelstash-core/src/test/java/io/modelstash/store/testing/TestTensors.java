package io.modelstash.store.testing;

import io.modelstash.format.DType;
import io.modelstash.format.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small safetensors files with known contents for store tests. */
public final class TestTensors {
  private TestTensors() {}

  /** One tensor: name, dtype, shape and its little-endian bytes. */
  public record Spec(String name, DType dtype, long[] shape, byte[] data) {}

  public static Spec floats(String name, long[] shape, float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      b.putFloat(v);
    }
    return new Spec(name, DType.FLOAT32, shape, b.array());
  }

  public static Spec longs(String name, long[] shape, long[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long v : values) {
      b.putLong(v);
    }
    return new Spec(name, DType.INT64, shape, b.array());
  }

  /** Raw elements of any dtype. */
  public static Spec raw(String name, DType dtype, long[] shape, byte[] data) {
    return new Spec(name, dtype, shape, data);
  }

  /** {@code n} Gaussian floats from {@code seed}, scaled like weights. */
  public static float[] gaussian(long seed, int n) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian() * 0.02f;
    }
    return v;
  }

  /** Writes a safetensors file holding {@code specs}, in that order. */
  public static Path write(Path file, List<Spec> specs) throws IOException {
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    for (Spec s : specs) {
      entries.add(
          new SafetensorsWriter.Entry(s.name(), s.dtype(), s.shape(), out -> out.write(s.data())));
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      SafetensorsWriter.write(out, Map.of(), entries);
    }
    return file;
  }
}
