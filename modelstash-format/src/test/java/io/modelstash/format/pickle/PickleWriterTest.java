package io.modelstash.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.pickle.PickleWriter.Compat;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PickleWriterTest {
  private static String hex(Object o) throws FormatException {
    byte[] b = PickleWriter.write(o, Compat.CURRENT);
    // Strip PROTO 2 and STOP to compare the body with CPython's output.
    return HexFormat.of().formatHex(b, 2, b.length - 1);
  }

  private static Object roundTrip(Object o, Compat compat) throws FormatException {
    return WeightsOnlyUnpickler.load(PickleWriter.write(o, compat));
  }

  @Test
  void integersAsCPythonWritesThem() throws Exception {
    // Expected bodies are pickle.dumps(v, 2) from CPython 3.11.
    assertThat(hex(255L)).isEqualTo("4bff");
    assertThat(hex(256L)).isEqualTo("4d0001");
    assertThat(hex(65535L)).isEqualTo("4dffff");
    assertThat(hex(65536L)).isEqualTo("4a00000100");
    assertThat(hex(-1L)).isEqualTo("4affffffff");
    assertThat(hex(-256)).isEqualTo("4a00ffffff");
    assertThat(hex(2147483648L)).isEqualTo("8a050000008000");
    assertThat(hex(-2147483649L)).isEqualTo("8a05ffffff7fff");
    assertThat(hex(-549755813888L)).isEqualTo("8a050000000080");
    assertThat(hex(Long.MIN_VALUE)).isEqualTo("8a080000000000000080");
    assertThat(hex(BigInteger.TWO.pow(63))).isEqualTo("8a09000000000000008000");
    assertThat(hex(BigInteger.TWO.pow(64).subtract(BigInteger.ONE)))
        .isEqualTo("8a09ffffffffffffffff00");
    assertThat(hex(BigInteger.valueOf(7))).isEqualTo("4b07");
    assertThatThrownBy(() -> PickleWriter.write(BigInteger.TWO.pow(3000), Compat.CURRENT))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("needs LONG4");
  }

  @Test
  void stringsAreMemoisedByIdentity() throws Exception {
    String s = new String("xxx");
    assertThat(hex(PyList.of(s, s, new String("xxx"))))
        .isEqualTo("5d7100285803000000787878710168015803000000787878710265");
    assertThat(hex(PyList.of("s"))).isEqualTo("5d7100580100000073710161");
  }

  @Test
  void longMemoIndicesUseLongBinput() throws Exception {
    PyList l = new PyList();
    for (int i = 0; i < 300; i++) {
      l.add("s" + i);
    }
    l.add(l.get(299));
    byte[] b = PickleWriter.write(l, Compat.TORCH_1_13);
    assertThat(HexFormat.of().formatHex(b)).contains("72" + "2c010000").contains("6a2c010000");
    assertThat(WeightsOnlyUnpickler.load(b)).isEqualTo(l);
  }

  @Test
  void batchesOfAThousand() throws Exception {
    PyList list = new PyList();
    PyDict dict = PyDict.dict();
    PyDict ordered = PyDict.ordered();
    for (long i = 0; i < 1001; i++) {
      list.add(i);
      dict.put(i, i);
      ordered.put(i, i);
    }
    // Exact lists and dicts close every batch with APPENDS/SETITEMS, even a batch of one...
    assertThat(hex(list)).endsWith("65284de80365");
    assertThat(hex(dict)).endsWith("75284de8034de80375");
    // ...the dict items of an OrderedDict use SETITEM for a batch of one.
    assertThat(hex(ordered)).endsWith("754de8034de80373");
    assertThat(hex(PyList.of(1L))).isEqualTo("5d71004b0161");
    assertThat(hex(PyDict.dict().put(1L, 2L))).isEqualTo("7d71004b014b0273");
    assertThat(roundTrip(list, Compat.TORCH_1_13)).isEqualTo(list);
    assertThat(roundTrip(ordered, Compat.TORCH_1_13)).isEqualTo(ordered);
  }

  @Test
  void cyclesThroughListsAreFineButTuplesCannotContainThemselves() throws Exception {
    PyList l = new PyList();
    l.add(l);
    PyList back = (PyList) roundTrip(l, Compat.TORCH_1_13);
    assertThat(back.get(0)).isSameAs(back);
    PyList holder = new PyList();
    PyTuple t = PyTuple.of(holder);
    holder.add(t);
    assertThatThrownBy(() -> PickleWriter.write(t, Compat.CURRENT))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("a tuple that contains itself");
  }

  @Test
  void refusesWhatIsNotAPythonValue() {
    PyList withNull = new PyList();
    assertThatThrownBy(() -> PickleWriter.write(null, Compat.CURRENT))
        .isInstanceOf(FormatException.class)
        .hasMessageContaining("use PyNone.NONE");
    assertThatThrownBy(() -> PickleWriter.write(new java.util.Date(), Compat.CURRENT))
        .hasMessageContaining("java.util.Date is not part of the pickle object model");
    assertThatThrownBy(
            () -> PickleWriter.write(PyDict.dict().putAttribute("a", 1L), Compat.CURRENT))
        .hasMessageContaining("a plain dict with attributes");
    assertThat(withNull).isEmpty();
  }

  private static final StorageRef FLOATS = StorageRef.typed("0", DType.FLOAT32, 6);

  @Test
  void compat113RefusesNewerFeatures() {
    Map<String, Object> refused = new java.util.LinkedHashMap<>();
    refused.put("a Python float", 1.5);
    refused.put("a torch.device", new TorchDevice("cpu"));
    refused.put("a set", PySet.of(1L));
    refused.put("bytes", new PyBytes(new byte[] {1}, false));
    refused.put("a bytearray", new PyBytes(new byte[] {1}, true));
    refused.put("a complex number", new PyComplex(1, 2));
    refused.put("a collections.Counter", PyDict.counter());
    refused.put("the dtype global torch.bool", DType.BOOL);
    refused.put("the qscheme", QScheme.PER_TENSOR_AFFINE);
    refused.put("the global builtins.set", PyGlobal.forName("builtins.set").orElseThrow());
    refused.put(
        "_rebuild_tensor_v3",
        TensorRef.contiguous(StorageRef.untyped("1", 4), DType.FLOAT8_E4M3FN, 4));
    refused.put(
        "_rebuild_parameter_with_state",
        TensorRef.of(FLOATS, 0, new long[] {6}, new long[] {1})
            .withParameter(true, true)
            .withAttributes(Map.of("tag", 1L)));
    refused.put(
        "_rebuild_from_type_v2",
        TensorRef.of(FLOATS, 0, new long[] {6}, new long[] {1}).withAttributes(Map.of("a", 1L)));
    refused.put(
        "lazy conj/neg bits",
        TensorRef.of(FLOATS, 0, new long[] {6}, new long[] {1}).withConjNeg(false, true));
    for (Map.Entry<String, Object> e : refused.entrySet()) {
      assertThatThrownBy(() -> PickleWriter.write(PyList.of(e.getValue()), Compat.TORCH_1_13))
          .as(e.getKey())
          .isInstanceOf(FormatException.class)
          .hasMessageContaining(e.getKey())
          .hasMessageContaining("cannot be loaded by PyTorch 1.13");
    }
  }

  @Test
  void currentWritesEverythingTheUnpicklerReads() throws Exception {
    StorageRef untyped = StorageRef.untyped("1", 8);
    TensorRef base = TensorRef.of(FLOATS, 0, new long[] {2, 3}, new long[] {3, 1});
    List<Object> values = new ArrayList<>();
    values.add(1.5);
    values.add(new TorchDevice("cuda:3"));
    values.add(new TorchDevice("mps"));
    values.add(PySet.of("a", 2L));
    values.add(new PyBytes(new byte[] {0, (byte) 200}, false));
    values.add(new PyBytes(new byte[0], false));
    values.add(new PyBytes(new byte[] {1}, true));
    values.add(new PyBytes(new byte[0], true));
    values.add(new PyComplex(-1, Double.NaN));
    values.add(PyDict.counter().put("x", 3L).putAttribute("note", "n"));
    values.add(PyDict.ordered().put("k", PyNone.NONE).putAttribute("_metadata", PyDict.ordered()));
    values.add(DType.FLOAT8_E5M2);
    values.add(QScheme.PER_CHANNEL_SYMMETRIC);
    values.add(TorchSize.of(1, 2, 3, 4));
    values.add(TorchLayout.SPARSE_CSR);
    values.add(PyGlobal.forName("collections.OrderedDict").orElseThrow());
    values.add(FLOATS);
    values.add(base);
    values.add(TensorRef.contiguous(untyped, DType.UINT16, 4));
    values.add(base.withConjNeg(true, true));
    values.add(base.withAttributes(Map.of("foo", "bar")));
    values.add(base.withParameter(true, true).withAttributes(Map.of("tag", 1L)));
    values.add(base.withParameter(true, false));
    values.add(
        new TensorRef(
            null,
            DType.BFLOAT16,
            0,
            new long[] {2},
            new long[] {1},
            true,
            false,
            false,
            false,
            null,
            Map.of()));
    TensorRef q =
        TensorRef.of(
            StorageRef.typed("2", DType.QUINT8, 4), 0, new long[] {2, 2}, new long[] {2, 1});
    values.add(q.withQuant(QuantParams.perTensor(0.25, 7)));
    values.add(
        q.withQuant(
            QuantParams.perChannel(
                QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS,
                TensorRef.of(
                    StorageRef.typed("3", DType.FLOAT64, 2), 0, new long[] {2}, new long[] {1}),
                TensorRef.of(
                    StorageRef.typed("4", DType.INT64, 2), 0, new long[] {2}, new long[] {1}),
                1)));
    values.add(
        new SparseTensorRef(
            TorchLayout.SPARSE_CSR,
            List.of(
                TensorRef.of(
                    StorageRef.typed("5", DType.INT64, 3), 0, new long[] {3}, new long[] {1}),
                TensorRef.of(
                    StorageRef.typed("6", DType.INT64, 2), 0, new long[] {2}, new long[] {1}),
                TensorRef.of(
                    StorageRef.typed("7", DType.FLOAT32, 2), 0, new long[] {2}, new long[] {1}),
                TorchSize.of(2, 2))));
    PyList root = new PyList(values);
    Object back = roundTrip(root, Compat.CURRENT);
    assertThat(back).isEqualTo(root);
    ByteArrayOutputStream streamed = new ByteArrayOutputStream();
    PickleWriter.write(root, Compat.CURRENT, streamed);
    assertThat(streamed.toByteArray()).isEqualTo(PickleWriter.write(root, Compat.CURRENT));
  }

  @Test
  void refusesTensorsTorchCouldNotLoad() {
    TensorRef wrongStorage = TensorRef.contiguous(FLOATS, DType.INT32, 6);
    assertThatThrownBy(() -> PickleWriter.write(wrongStorage, Compat.CURRENT))
        .hasMessageContaining("a int32 tensor over the typed float32 storage '0'");
    TensorRef intGrad =
        TensorRef.contiguous(StorageRef.typed("0", DType.INT64, 2), DType.INT64, 2)
            .withParameter(false, true);
    assertThatThrownBy(() -> PickleWriter.write(intGrad, Compat.CURRENT))
        .hasMessageContaining("cannot require gradients");
    StorageRef view =
        new StorageRef("1", DType.FLOAT32, 10, "cpu", false, new StorageView("2", 0, 5));
    assertThatThrownBy(() -> PickleWriter.write(view, Compat.CURRENT))
        .hasMessageContaining("legacy view");
  }
}
