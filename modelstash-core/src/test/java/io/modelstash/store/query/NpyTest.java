package io.modelstash.store.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.DType;
import io.modelstash.format.testing.Fixtures;
import io.modelstash.store.ModelStash;
import io.modelstash.store.PutOptions;
import io.modelstash.store.name.Digest;
import io.modelstash.store.name.ModelPath;
import io.modelstash.store.name.Ref;
import io.modelstash.store.testing.NumpyPython;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code .npy} output checked with {@code numpy.load}. */
class NpyTest {
  @TempDir Path dir;

  /** Prints, per file: dtype string, shape, SHA-256 of the little-endian C-order bytes. */
  private static final String DESCRIBE =
      "import sys, hashlib, numpy\n"
          + "for f in sys.argv[1:]:\n"
          + "    a = numpy.load(f, allow_pickle=False)\n"
          + "    le = numpy.ascontiguousarray(a, dtype=a.dtype.newbyteorder('<'))\n"
          + "    print(a.dtype.str, list(a.shape), hashlib.sha256(le.tobytes()).hexdigest())\n";

  @Test
  void numpyLoadsEveryTensorWithIdenticalValues() throws IOException {
    NumpyPython.assumeAvailable();
    List<Path> files = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    try (ModelStash stash = ModelStash.open(dir.resolve("store"))) {
      int k = 0;
      for (String fixture : List.of("dtypes.pt", "ckpt.pt", "views.pt", "tensor_root.pt")) {
        ModelPath p = ModelPath.parse("f/" + fixture);
        stash.put(p, Fixtures.torch(fixture), PutOptions.none());
        for (StoredTensor t : stash.tensors(Ref.latest(p))) {
          DType type = t.dtype().orElseThrow();
          boolean native_ = Npy.descr(type).isPresent();
          if (!native_ && !Floats.convertible(type)) {
            continue;
          }
          Path out = dir.resolve("t" + (k++) + ".npy");
          try (OutputStream os = Files.newOutputStream(out)) {
            Npy.write(t, os, !native_);
          }
          files.add(out);
          String shape = shapeText(t.shape());
          if (native_) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            t.writeTo(bytes);
            expected.add(
                Npy.descr(type).get() + " " + shape + " " + Digest.of(bytes.toByteArray()).hex());
          } else {
            FloatBuffer f = t.floats();
            ByteBuffer b = ByteBuffer.allocate(f.remaining() * 4).order(ByteOrder.LITTLE_ENDIAN);
            while (f.hasRemaining()) {
              b.putFloat(f.get());
            }
            expected.add("<f4 " + shape + " " + Digest.of(b.array()).hex());
          }
        }
      }
    }
    List<String> args = files.stream().map(Path::toString).toList();
    List<String> got = NumpyPython.exec(DESCRIBE, args).strip().lines().toList();
    assertThat(got).containsExactlyElementsOf(expected);
    assertThat(expected).anyMatch(s -> s.startsWith("|b1")).anyMatch(s -> s.startsWith("<c8"));
    assertThat(files.size()).isGreaterThan(20);
  }

  @Test
  void headersAreAlignedAndShapesPrintLikeNumpy() throws IOException {
    assertThat(Npy.header("<f4", new long[] {}).length % 64).isZero();
    assertThat(new String(Npy.header("<f4", new long[] {3}), 10, 60, "US-ASCII"))
        .startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }");
    assertThat(new String(Npy.header("<i8", new long[] {2, 0, 5}), 10, 60, "US-ASCII"))
        .contains("'shape': (2, 0, 5)");
  }

  private static String shapeText(long[] shape) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < shape.length; i++) {
      b.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    return b.append("]").toString();
  }
}
