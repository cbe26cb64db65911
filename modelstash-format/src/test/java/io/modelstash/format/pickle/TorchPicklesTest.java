package io.modelstash.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.pickle.PickleWriter.Compat;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pickles made by PyTorch 1.13.1 (src/test/resources/pickle/make_pickles.py). */
class TorchPicklesTest {
  private static Object load(String name) throws FormatException {
    return WeightsOnlyUnpickler.load(TorchFiles.read(name));
  }

  private static void assertTensor(
      Object o, DType dtype, String key, long offset, long[] size, long[] stride) {
    assertThat(o).isInstanceOf(TensorRef.class);
    TensorRef t = (TensorRef) o;
    assertThat(t.dtype()).isEqualTo(dtype);
    assertThat(t.storage().key()).isEqualTo(key);
    assertThat(t.storageOffset()).isEqualTo(offset);
    assertThat(t.size()).isEqualTo(size);
    assertThat(t.stride()).isEqualTo(stride);
  }

  @Test
  void stateDict() throws Exception {
    PyDict sd = (PyDict) load("state_dict.pkl");
    assertThat(sd.kind()).isEqualTo(PyDict.Kind.ORDERED_DICT);
    assertThat(sd.keys())
        .containsExactly(
            "0.weight",
            "0.bias",
            "1.weight",
            "1.bias",
            "1.running_mean",
            "1.running_var",
            "1.num_batches_tracked");
    assertTensor(sd.get("0.weight"), DType.FLOAT32, "0", 0, new long[] {2, 3}, new long[] {3, 1});
    TensorRef w = (TensorRef) sd.get("0.weight");
    assertThat(w.storage()).isEqualTo(StorageRef.typed("0", DType.FLOAT32, 6));
    assertThat(w.requiresGrad() || w.parameter()).isFalse();
    assertTensor(sd.get("1.num_batches_tracked"), DType.INT64, "6", 0, new long[0], new long[0]);
    PyDict metadata = (PyDict) sd.attributes().get("_metadata");
    assertThat(metadata.kind()).isEqualTo(PyDict.Kind.ORDERED_DICT);
    assertThat(metadata.keys()).containsExactly("", "0", "1");
    assertThat(((PyDict) metadata.get("1")).get("version")).isEqualTo(2L);
    assertThat(sd.attributes()).containsOnlyKeys("_metadata");
  }

  @Test
  void tiedWeightsShareOneStorage() throws Exception {
    PyDict sd = (PyDict) load("tied.pkl");
    TensorRef a = (TensorRef) sd.get("embed.weight");
    TensorRef b = (TensorRef) sd.get("head.weight");
    assertThat(a).isNotSameAs(b);
    assertThat(a.storage()).isSameAs(b.storage());
    assertThat(a.storage().numel()).isEqualTo(12);
  }

  @Test
  void optimizerStateDict() throws Exception {
    PyDict opt = (PyDict) load("optimizer.pkl");
    PyDict state = (PyDict) opt.get("state");
    assertThat(state.keys()).containsExactly(0L, 1L);
    PyDict first = (PyDict) state.get(0L);
    assertTensor(first.get("step"), DType.FLOAT32, "0", 0, new long[0], new long[0]);
    assertTensor(first.get("exp_avg"), DType.FLOAT32, "1", 0, new long[] {1, 2}, new long[] {2, 1});
    PyDict group = (PyDict) ((PyList) opt.get("param_groups")).get(0);
    assertThat(group.get("lr")).isEqualTo(0.001);
    assertThat(group.get("betas")).isEqualTo(PyTuple.of(0.9, 0.999));
    assertThat(group.get("eps")).isEqualTo(1e-8);
    assertThat(group.get("weight_decay")).isEqualTo(0L);
    assertThat(group.get("amsgrad")).isEqualTo(false);
    assertThat(group.get("foreach")).isSameAs(PyNone.NONE);
    assertThat(group.get("params")).isEqualTo(PyList.of(0L, 1L));
  }

  @Test
  void pythonValues() throws Exception {
    PyDict v = (PyDict) load("values.pkl");
    BigInteger two = BigInteger.TWO;
    assertThat(v.get("ints"))
        .isEqualTo(
            PyList.of(
                0L,
                1L,
                255L,
                256L,
                65535L,
                65536L,
                -1L,
                -300L,
                -70000L,
                2147483647L,
                -2147483648L,
                2147483648L,
                Long.MAX_VALUE,
                Long.MIN_VALUE,
                two.pow(63),
                two.pow(70),
                two.pow(70).negate(),
                BigInteger.TEN.pow(30)));
    assertThat(v.get("strings"))
        .isEqualTo(
            PyList.of(
                "",
                "ascii",
                "h\u00e9llo",
                "\u65e5\u672c\u8a9e",
                "\uD83D\uDE00",
                "a\u0000b",
                "lone \uD800 surrogate"));
    assertThat(v.get("floats"))
        .isEqualTo(
            PyList.of(
                1.5, -0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 1e-300));
    assertThat(v.get("size")).isEqualTo(TorchSize.of(2, 3));
    assertThat(v.get("size0")).isEqualTo(TorchSize.of());
    assertThat(v.get("devices"))
        .isEqualTo(PyList.of(new TorchDevice("cuda:1"), new TorchDevice("cpu")));
    assertThat(v.get("dtypes")).isEqualTo(PyTuple.of(DType.FLOAT32, DType.INT64, DType.BOOL));
    assertThat(v.get("bytes")).isEqualTo(new PyBytes(new byte[] {'a', 'b', (byte) 0xFF}, false));
    assertThat(v.get("bytearray")).isEqualTo(new PyBytes(new byte[] {'x', 'y'}, true));
    assertThat(v.get("set")).isEqualTo(PySet.of(1L, 2L));
    assertThat(v.get("complex")).isEqualTo(new PyComplex(1, 2));
    assertThat(v.get("counter")).isEqualTo(PyDict.counter().put("a", 2L));
    assertThat(v.get("ordered")).isEqualTo(PyDict.ordered().put("x", 1L));
    assertThat(v.get("tuples"))
        .isEqualTo(
            PyTuple.of(
                PyTuple.EMPTY,
                PyTuple.of(1L),
                PyTuple.of(1L, 2L),
                PyTuple.of(1L, 2L, 3L),
                PyTuple.of(1L, 2L, 3L, 4L)));
    assertThat(v.get("empty")).isEqualTo(PyTuple.of(new PyList(), PyDict.dict()));
    assertThat((PyList) v.get("long_list")).hasSize(1001).endsWith(1000L);
    assertThat(((PyDict) v.get("long_dict")).get(1000L)).isEqualTo(-1000L);
    assertThat(v.get(1L)).isEqualTo("int key");
    assertThat(v.get(true)).isEqualTo("int key");
  }

  @Test
  void tensorViewsAndDtypes() throws Exception {
    PyDict t = (PyDict) load("tensors.pkl");
    assertTensor(t.get("base"), DType.FLOAT32, "0", 0, new long[] {3, 4}, new long[] {4, 1});
    assertTensor(t.get("transposed"), DType.FLOAT32, "0", 0, new long[] {4, 3}, new long[] {1, 4});
    assertTensor(t.get("row"), DType.FLOAT32, "0", 4, new long[] {4}, new long[] {1});
    assertTensor(t.get("scalar"), DType.INT64, "1", 0, new long[0], new long[0]);
    assertTensor(t.get("empty"), DType.FLOAT32, "2", 0, new long[] {0, 3}, new long[] {3, 1});
    assertThat(((TensorRef) t.get("empty")).storage().numel()).isZero();
    assertTensor(t.get("expanded"), DType.FLOAT32, "3", 0, new long[] {2, 3}, new long[] {0, 1});
    String[][] dtypes = {
      {"f64", "float64"},
      {"f16", "float16"},
      {"bf16", "bfloat16"},
      {"i8", "int8"},
      {"u8", "uint8"},
      {"bool", "bool"},
      {"c64", "complex64"}
    };
    for (String[] d : dtypes) {
      assertThat(((TensorRef) t.get(d[0])).dtype().torchName()).isEqualTo(d[1]);
    }
    TensorRef p = (TensorRef) t.get("param");
    assertThat(p.parameter()).isTrue();
    assertThat(p.requiresGrad()).isTrue();
    assertThat(t.get("param_again")).isSameAs(p);
  }

  @Test
  void sparseQuantizedAndMeta() throws Exception {
    SparseTensorRef s = (SparseTensorRef) load("sparse.pkl");
    assertThat(s.layout()).isEqualTo(TorchLayout.SPARSE_COO);
    assertTensor(s.data().get(0), DType.INT64, "0", 0, new long[] {2, 2}, new long[] {2, 1});
    assertTensor(s.data().get(1), DType.FLOAT32, "1", 0, new long[] {2}, new long[] {1});
    assertThat(s.data().get(2)).isEqualTo(TorchSize.of(2, 2));
    assertThatThrownBy(() -> load("sparse_csr.pkl"))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("'torch._utils._rebuild_sparse_csr_tensor' is not allowed");

    PyList q = (PyList) load("quant.pkl");
    TensorRef perTensor = (TensorRef) q.get(0);
    assertThat(perTensor.dtype()).isEqualTo(DType.QINT8);
    assertThat(perTensor.quant()).isEqualTo(QuantParams.perTensor(0.5, 3));
    QuantParams perChannel = ((TensorRef) q.get(1)).quant();
    assertThat(perChannel.scheme()).isEqualTo(QScheme.PER_CHANNEL_AFFINE);
    assertThat(perChannel.axis()).isZero();
    assertThat(perChannel.scales().dtype()).isEqualTo(DType.FLOAT64);
    assertThat(perChannel.zeroPoints().dtype()).isEqualTo(DType.INT64);

    TensorRef meta = (TensorRef) load("meta.pkl");
    assertThat(meta.storage()).isNull();
    assertThat(meta.size()).containsExactly(2, 3);
  }

  @Test
  void checkpointsWithArbitraryGlobalsAreRefused() {
    assertThatThrownBy(() -> load("lightning.pkl"))
        .isInstanceOf(FormatException.class)
        .hasMessage(
            "Cannot load pickle: global 'argparse.Namespace' is not allowed"
                + " (modelstash never executes code from a file)");
    assertThatThrownBy(() -> load("lightning_p4.pkl"))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("Unsupported operand 149 (FRAME) at offset 2");
  }

  @ParameterizedTest
  @CsvSource({
    "state_dict.pkl, TORCH_1_13",
    "tied.pkl, TORCH_1_13",
    "tensors.pkl, TORCH_1_13",
    "sparse.pkl, TORCH_1_13",
    "meta.pkl, TORCH_1_13",
    "optimizer.pkl, CURRENT",
    "values.pkl, CURRENT",
    "quant.pkl, CURRENT"
  })
  void writerReproducesTorchBytes(String name, Compat compat) throws Exception {
    byte[] original = TorchFiles.read(name);
    Object model = WeightsOnlyUnpickler.load(original);
    assertThat(PickleWriter.write(model, compat)).isEqualTo(original);
    assertThat(PickleWriter.write(model, Compat.CURRENT)).isEqualTo(original);
  }

  @Test
  void compat113RefusesWhat113Refuses() throws Exception {
    assertThatThrownBy(() -> PickleWriter.write(load("optimizer.pkl"), Compat.TORCH_1_13))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("a Python float (BINFLOAT) cannot be loaded by PyTorch 1.13");
    assertThatThrownBy(() -> PickleWriter.write(load("quant.pkl"), Compat.TORCH_1_13))
        .hasMessageContaining("a quantized tensor cannot be loaded by PyTorch 1.13");
  }

  @Test
  void scannerFindsTheSameStorages() throws Exception {
    List<ScannedStorage> sd = PickleScanner.scan(TorchFiles.read("state_dict.pkl"));
    assertThat(sd).hasSize(7);
    assertThat(sd.get(0)).isEqualTo(new ScannedStorage("0", DType.FLOAT32, 6, false));
    assertThat(sd.get(6)).isEqualTo(new ScannedStorage("6", DType.INT64, 1, false));
    assertThat(PickleScanner.scan(TorchFiles.read("tied.pkl")))
        .containsExactly(new ScannedStorage("0", DType.FLOAT32, 12, false));
    assertThat(PickleScanner.scan(TorchFiles.read("quant.pkl")))
        .extracting(ScannedStorage::dtype)
        .containsExactly(DType.QINT8, DType.QUINT8, DType.FLOAT64, DType.INT64);
    assertThat(PickleScanner.scan(TorchFiles.read("values.pkl"))).isEmpty();
    // Checkpoints weights_only refuses still yield their storages, in protocol 2 and 4.
    assertThat(PickleScanner.scan(TorchFiles.read("lightning.pkl"))).isEqualTo(sd);
    assertThat(PickleScanner.scan(TorchFiles.read("lightning_p4.pkl"))).isEqualTo(sd);
    assertThat(PickleScanner.scan(TorchFiles.read("sparse_csr.pkl")))
        .extracting(ScannedStorage::key)
        .containsExactly("0", "1", "2");
  }

  @Test
  void legacyStreamFormat() throws Exception {
    byte[] file = TorchFiles.read("legacy.pt");
    Limits limits = Limits.defaults();
    WeightsOnlyUnpickler.Loaded magic = WeightsOnlyUnpickler.loadAt(file, 0, limits);
    assertThat(magic.value()).isEqualTo(new BigInteger("1950A86A20F9469CFC6C", 16));
    assertThat(magic.end()).isEqualTo(15);
    WeightsOnlyUnpickler.Loaded protocol = WeightsOnlyUnpickler.loadAt(file, magic.end(), limits);
    assertThat(protocol.value()).isEqualTo(1001L);
    WeightsOnlyUnpickler.Loaded sysInfo = WeightsOnlyUnpickler.loadAt(file, protocol.end(), limits);
    assertThat(((PyDict) sysInfo.value()).get("little_endian")).isEqualTo(true);
    WeightsOnlyUnpickler.Loaded main = WeightsOnlyUnpickler.loadAt(file, sysInfo.end(), limits);
    PyDict sd = (PyDict) main.value();
    TensorRef embed = (TensorRef) sd.get("embed.weight");
    TensorRef head = (TensorRef) sd.get("head.weight");
    assertThat(embed.storage()).isSameAs(head.storage());
    assertThat(embed.storage().view()).isNull();
    assertThat(embed.storage().numel()).isEqualTo(12);
    PickleScanner.ScanResult scanned = PickleScanner.scanAt(file, sysInfo.end(), limits);
    assertThat(scanned.end()).isEqualTo(main.end());
    assertThat(scanned.storages())
        .containsExactly(new ScannedStorage(embed.storage().key(), DType.FLOAT32, 12, false));
    WeightsOnlyUnpickler.Loaded keys = WeightsOnlyUnpickler.loadAt(file, main.end(), limits);
    assertThat(keys.value()).isEqualTo(PyList.of(embed.storage().key()));
    long count = ByteBuffer.wrap(file, keys.end(), 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertThat(count).isEqualTo(12);
    assertThat(file.length - keys.end() - 8).isEqualTo(48);
  }
}
