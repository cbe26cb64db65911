package io.modelstash.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.pickle.PickleWriter.Compat;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Writer/reader round trips over random object trees, and fuzzing of both readers. */
class PickleProperties {
  @Property(tries = 300)
  void writerOutputReadsBackEqual(@ForAll long seed) throws Exception {
    Object root = new TreeGen(new Random(seed)).value(4);
    byte[] bytes = PickleWriter.write(root, Compat.CURRENT);
    Object back = WeightsOnlyUnpickler.load(bytes);
    assertThat(back).as("seed %d", seed).isEqualTo(root);
    assertThat(PickleWriter.write(back, Compat.CURRENT)).isEqualTo(bytes);
    assertThat(PickleScanner.scan(bytes)).isNotNull();
  }

  private static final String[] SEEDS = {
    "state_dict.pkl",
    "tied.pkl",
    "optimizer.pkl",
    "tensors.pkl",
    "sparse.pkl",
    "quant.pkl",
    "meta.pkl",
    "lightning.pkl",
    "lightning_p4.pkl",
    "sparse_csr.pkl"
  };

  @Property(tries = 5000)
  void mutatedPicklesFailOnlyWithFormatException(@ForAll long seed) {
    Random r = new Random(seed);
    byte[] data;
    if (r.nextInt(10) == 0) {
      data = new byte[r.nextInt(64)];
      r.nextBytes(data);
    } else if (r.nextInt(3) == 0) {
      data = writeOrEmpty(new TreeGen(r).value(3));
    } else {
      data = TorchFiles.read(SEEDS[r.nextInt(SEEDS.length)]);
    }
    byte[] mutated = mutate(r, data);
    checkOnlyFormatException(() -> WeightsOnlyUnpickler.load(mutated));
    checkOnlyFormatException(() -> PickleScanner.scan(mutated));
  }

  private static byte[] writeOrEmpty(Object root) {
    try {
      return PickleWriter.write(root, Compat.CURRENT);
    } catch (FormatException e) {
      throw new AssertionError("generated trees are always writable", e);
    }
  }

  private interface Action {
    void run() throws Exception;
  }

  private static void checkOnlyFormatException(Action a) {
    try {
      a.run();
    } catch (FormatException expected) {
      assertThat(expected.getMessage()).startsWith("Cannot ").doesNotContain("\n");
      // The readers wrap only validation failures of model values; anything else is a bug.
      if (expected.getCause() != null) {
        assertThat(expected.getCause())
            .isInstanceOfAny(IllegalArgumentException.class, ArithmeticException.class);
      }
    } catch (Throwable t) {
      throw new AssertionError("unexpected " + t, t);
    }
  }

  static byte[] mutate(Random r, byte[] in) {
    byte[] b = in.clone();
    int rounds = 1 + r.nextInt(4);
    for (int i = 0; i < rounds && b.length > 0; i++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(6)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));
        case 2 -> b = java.util.Arrays.copyOf(b, at);
        case 3 -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(16));
          byte[] out = new byte[b.length + len];
          System.arraycopy(b, 0, out, 0, at + len);
          System.arraycopy(b, at, out, at + len, b.length - at);
          b = out;
        }
        case 4 -> {
          int len = Math.min(b.length - at, 1 + r.nextInt(16));
          byte[] out = new byte[b.length - len];
          System.arraycopy(b, 0, out, 0, at);
          System.arraycopy(b, at + len, out, at, b.length - at - len);
          b = out;
        }
        default -> {
          // Opcodes with big or boundary operands.
          byte[] ops = {'X', 'j', 'r', (byte) 0x8A, '(', ']', 'h', 'Q', 'R', 'b', (byte) 0x81};
          b[at] = ops[r.nextInt(ops.length)];
          for (int k = 1; k < 5 && at + k < b.length; k++) {
            b[at + k] = (byte) (r.nextBoolean() ? 0xFF : 0x00);
          }
        }
      }
    }
    return b;
  }

  /** Random trees of every model type, with shared subtrees and self-containing lists. */
  static final class TreeGen {
    private static final DType[] DTYPES = {
      DType.FLOAT32,
      DType.FLOAT64,
      DType.FLOAT16,
      DType.BFLOAT16,
      DType.INT64,
      DType.INT8,
      DType.UINT8,
      DType.BOOL,
      DType.COMPLEX64
    };
    private static final DType[] V3 = {
      DType.FLOAT8_E4M3FN,
      DType.FLOAT8_E5M2,
      DType.UINT16,
      DType.UINT32,
      DType.UINT64,
      DType.FLOAT32
    };
    private final Random r;
    private final List<Object> made = new ArrayList<>();
    private final Map<String, StorageRef> storages = new LinkedHashMap<>();

    /** Values still to generate, so that trees stay small enough to be fast. */
    private int budget = 2500;

    TreeGen(Random r) {
      this.r = r;
    }

    Object value(int depth) {
      if (!made.isEmpty() && r.nextInt(12) == 0) {
        return made.get(r.nextInt(made.size()));
      }
      budget--;
      Object v = depth <= 0 || budget <= 0 || r.nextInt(3) == 0 ? leaf() : composite(depth - 1);
      made.add(v);
      return v;
    }

    private Object composite(int depth) {
      int n = Math.min(Math.max(budget, 0), r.nextInt(r.nextInt(20) == 0 ? 1200 : 5));
      switch (r.nextInt(5)) {
        case 0 -> {
          List<Object> items = new ArrayList<>();
          for (int i = 0; i < n; i++) {
            items.add(value(depth));
          }
          return new PyTuple(items);
        }
        case 1 -> {
          PyList l = new PyList();
          for (int i = 0; i < n; i++) {
            l.add(value(depth));
          }
          if (r.nextInt(8) == 0) {
            l.add(l);
          }
          return l;
        }
        case 2 -> {
          PyDict d = new PyDict(PyDict.Kind.values()[r.nextInt(3)]);
          for (int i = 0; i < n; i++) {
            d.put(hashable(depth), value(depth));
          }
          if (d.kind() != PyDict.Kind.DICT && r.nextInt(3) == 0) {
            d.putAttribute("_metadata", value(depth));
          }
          return d;
        }
        case 3 -> {
          Map<Object, Object> distinct = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            Object k = hashable(depth);
            distinct.putIfAbsent(PythonKeys.normalize(k), k);
          }
          return new PySet(new ArrayList<>(distinct.values()));
        }
        default -> {
          return tensor(depth);
        }
      }
    }

    private Object hashable(int depth) {
      return switch (r.nextInt(6)) {
        case 0 -> string();
        case 1 -> (long) r.nextInt(5);
        case 2 -> r.nextBoolean();
        case 3 -> r.nextInt(4) / 2.0;
        case 4 -> depth > 0 ? PyTuple.of(hashable(depth - 1), hashable(depth - 1)) : PyNone.NONE;
        default -> TorchSize.of(r.nextInt(3));
      };
    }

    private Object leaf() {
      return switch (r.nextInt(16)) {
        case 0 -> PyNone.NONE;
        case 1 -> r.nextBoolean();
        case 2 -> {
          long[] edges = {
            0,
            255,
            256,
            65535,
            65536,
            -1,
            Integer.MIN_VALUE,
            1L << 31,
            Long.MAX_VALUE,
            Long.MIN_VALUE
          };
          yield r.nextBoolean() ? edges[r.nextInt(edges.length)] : r.nextLong() >> r.nextInt(64);
        }
        case 3 ->
            WeightsOnlyUnpickler.normalizeInt(
                new BigInteger(60 + r.nextInt(200), r)
                    .multiply(BigInteger.valueOf(r.nextBoolean() ? 1 : -1)));
        case 4 -> {
          double[] edges = {-0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.MIN_VALUE, 1e300};
          yield r.nextBoolean() ? edges[r.nextInt(edges.length)] : r.nextGaussian();
        }
        case 5, 6 -> string();
        case 7 -> {
          byte[] b = new byte[r.nextInt(6)];
          r.nextBytes(b);
          yield new PyBytes(b, r.nextBoolean());
        }
        case 8 -> new PyComplex(r.nextGaussian(), r.nextInt(3) == 0 ? Double.NaN : 2);
        case 9 -> TorchSize.of(r.nextInt(4), r.nextInt(1000));
        case 10 -> r.nextBoolean() ? new TorchDevice("cpu") : TorchDevice.of("cuda", r.nextInt(8));
        case 11 -> r.nextBoolean() ? DTYPES[r.nextInt(DTYPES.length)] : QScheme.PER_TENSOR_AFFINE;
        case 12 ->
            r.nextBoolean()
                ? TorchLayout.SPARSE_COO
                : PyGlobal.forName("torch.LongStorage").orElseThrow();
        case 13 -> storage(DTYPES[r.nextInt(DTYPES.length)]);
        default -> tensor(0);
      };
    }

    private String string() {
      String[] samples = {
        "",
        "weight",
        "h\u00e9",
        "\u65e5\u672c",
        "\uD83D\uDE00",
        "\uD800",
        "\uDC00x",
        "a\u0000b",
        "cpu",
        "storage"
      };
      if (r.nextBoolean()) {
        return new String(samples[r.nextInt(samples.length)]);
      }
      StringBuilder sb = new StringBuilder();
      for (int i = r.nextInt(8); i > 0; i--) {
        sb.append((char) r.nextInt(r.nextBoolean() ? 128 : 0x10000));
      }
      return sb.toString();
    }

    private StorageRef storage(DType dtype) {
      String key = String.valueOf(storages.size());
      StorageRef s =
          dtype == null
              ? StorageRef.untyped(key, 64)
              : new StorageRef(key, dtype, 16, r.nextInt(4) == 0 ? "cuda:0" : "cpu", false, null);
      storages.put(key, s);
      return s;
    }

    private TensorRef tensor(int depth) {
      boolean v3 = r.nextInt(4) == 0;
      DType dtype = v3 ? V3[r.nextInt(V3.length)] : DTYPES[r.nextInt(DTYPES.length)];
      StorageRef s =
          !storages.isEmpty() && r.nextBoolean()
              ? storages.values().stream()
                  .skip(r.nextInt(storages.size()))
                  .findFirst()
                  .orElseThrow()
              : storage(v3 ? null : dtype);
      if (!s.untyped()) {
        dtype = s.dtype();
      }
      int rank = r.nextInt(3);
      long[] size = new long[rank];
      long[] stride = new long[rank];
      for (int i = 0; i < rank; i++) {
        size[i] = r.nextInt(4);
        stride[i] = r.nextInt(4);
      }
      boolean grad = dtype.isFloatingPoint() && r.nextBoolean();
      Map<String, Object> attrs = new LinkedHashMap<>();
      if (depth > 0 && r.nextInt(4) == 0) {
        attrs.put("tag", value(depth - 1));
      }
      return new TensorRef(
          s,
          dtype,
          r.nextInt(3),
          size,
          stride,
          grad,
          r.nextInt(3) == 0,
          dtype.kind() == DType.Kind.COMPLEX && r.nextBoolean(),
          r.nextInt(5) == 0,
          null,
          attrs);
    }
  }
}
