package io.modelstash.format.pickle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelstash.format.DType;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectModelTest {
  @Test
  void dictUsesPythonKeyEquality() {
    PyDict d = PyDict.dict().put(1L, "a").put(true, "b").put(1.0, "c");
    assertThat(d.size()).isEqualTo(1);
    assertThat(d.keys()).containsExactly(1L);
    assertThat(d.get(new PyComplex(1, 0))).isEqualTo("c");
    d.put(BigInteger.TWO.pow(70), "big").put(0x1p70, "float");
    assertThat(d.size()).isEqualTo(2);
    assertThat(d.get(BigInteger.TWO.pow(70))).isEqualTo("float");
    d.put(PyTuple.of(1L, PyTuple.of(2L)), "t");
    assertThat(d.get(PyTuple.of(true, PyTuple.of(2.0)))).isEqualTo("t");
    d.put(TorchSize.of(3, 4), "size");
    assertThat(d.get(PyTuple.of(3L, 4L))).isEqualTo("size");
    assertThat(d.get("1")).isNull();
    assertThat(d.get(new PyList())).isNull();
    assertThatThrownBy(() -> d.put(new PyList(), 1L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unhashable dict key: list");
    assertThatThrownBy(() -> d.put(new PyBytes(new byte[0], true), 1L))
        .hasMessageContaining("bytearray");
    assertThatThrownBy(() -> d.put("k", null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void tensorsAndStoragesAreHashedByIdentityAsInPython() {
    StorageRef s = StorageRef.typed("0", DType.FLOAT32, 4);
    TensorRef a = TensorRef.contiguous(s, DType.FLOAT32, 4);
    TensorRef b = TensorRef.contiguous(s, DType.FLOAT32, 4);
    PyDict d = PyDict.dict().put(a, 1L).put(b, 2L);
    assertThat(a).isEqualTo(b);
    assertThat(d.size()).isEqualTo(2);
    assertThat(d.get(a)).isEqualTo(1L);
  }

  @Test
  void setsRejectPythonDuplicates() {
    assertThatThrownBy(() -> PySet.of(1L, true)).hasMessageContaining("duplicate set item: True");
    assertThatThrownBy(() -> PySet.of(new PyList())).hasMessageContaining("unhashable");
    assertThat(PySet.of(1L, "1").contains(1.0)).isTrue();
  }

  @Test
  void recordsValidateAndCopy() {
    long[] dims = {2, 3};
    TorchSize size = new TorchSize(dims);
    dims[0] = 99;
    assertThat(size.dims()).containsExactly(2, 3);
    size.dims()[1] = 99;
    assertThat(size).isEqualTo(TorchSize.of(2, 3));
    byte[] raw = {1, 2};
    PyBytes b = new PyBytes(raw, false);
    raw[0] = 9;
    assertThat(b.byteAt(0)).isEqualTo(1);
    assertThat(b).isNotEqualTo(new PyBytes(new byte[] {1, 2}, true));
    assertThatThrownBy(() -> StorageRef.typed("a/b", DType.FLOAT32, 1))
        .hasMessageContaining("invalid storage key");
    assertThatThrownBy(() -> StorageRef.typed("0", DType.FLOAT8_E5M2, 1))
        .hasMessageContaining("no typed storage class");
    assertThatThrownBy(() -> new StorageRef("0", DType.FLOAT32, 1, "cpu", true, null))
        .hasMessageContaining("untyped storage has dtype uint8");
    StorageRef s = StorageRef.typed("0", DType.FLOAT32, 6);
    assertThatThrownBy(() -> TensorRef.of(s, -1, new long[] {1}, new long[] {1}))
        .hasMessageContaining("storage offset must be >= 0");
    assertThatThrownBy(() -> TensorRef.of(s, 0, new long[] {1, 2}, new long[] {1}))
        .hasMessageContaining("differ in length");
    assertThatThrownBy(() -> TensorRef.of(s, 0, new long[] {-1}, new long[] {1}))
        .hasMessageContaining("must be >= 0");
    assertThat(TensorRef.contiguous(s, DType.FLOAT32, 2, 3).stride()).containsExactly(3, 1);
    assertThat(TensorRef.contiguous(s, DType.FLOAT32, 2, 3).numel()).isEqualTo(6);
    assertThatThrownBy(() -> new TorchDevice("cuda:-1")).hasMessageContaining("not a torch device");
    assertThat(new TorchDevice("cuda:2").index()).isEqualTo(2);
    assertThat(new TorchDevice("cpu").index()).isEqualTo(-1);
    assertThatThrownBy(() -> new TorchLayout("sparse")).hasMessageContaining("not a torch layout");
    assertThatThrownBy(() -> QuantParams.perChannel(QScheme.PER_CHANNEL_AFFINE, null, null, 0))
        .isInstanceOf(NullPointerException.class);
    assertThat(new ScannedStorage("0", DType.UINT16, 4, true).nbytes()).isEqualTo(8);
  }

  @Test
  void tensorAttributesAreImmutable() {
    TensorRef t =
        TensorRef.contiguous(StorageRef.typed("0", DType.FLOAT32, 1), DType.FLOAT32)
            .withAttributes(Map.of("a", 1L));
    assertThatThrownBy(() -> t.attributes().put("b", 2L))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void reprIsPythonLikeAndBounded() {
    PyList l =
        PyList.of(
            "a'b\n",
            1L,
            true,
            PyNone.NONE,
            1.5,
            Double.NaN,
            PyTuple.of(1L),
            PySet.of(),
            new PyComplex(1, -2),
            new PyBytes(new byte[] {'x', 0}, false),
            "\uD83D\uDE00",
            "\uD800");
    assertThat(l.toString())
        .isEqualTo(
            "['a\\'b\\n', 1, True, None, 1.5, nan, (1,), set(), (1.0-2.0j), b'x\\x00',"
                + " '\uD83D\uDE00', '\\ud800']");
    PyList big = new PyList();
    for (int i = 0; i < 100_000; i++) {
      big.add((long) i);
    }
    assertThat(big.toString()).hasSizeLessThan(9000).endsWith("...");
  }

  @Test
  void deepStructuresNeverRecurse() {
    PyList root = new PyList();
    PyList cur = root;
    for (int i = 0; i < 200_000; i++) {
      PyList next = new PyList();
      cur.add(PyTuple.of(next));
      cur = next;
    }
    PyList copy = new PyList();
    PyList c = copy;
    for (int i = 0; i < 200_000; i++) {
      PyList next = new PyList();
      c.add(PyTuple.of(next));
      c = next;
    }
    assertThat(root).isEqualTo(copy);
    assertThat(root.hashCode()).isEqualTo(copy.hashCode());
    assertThat(root.toString()).startsWith("[([([(");
    assertThat(Structural.height(root, 1000)).isEqualTo(1001);
    cur.add(1L);
    assertThat(root).isNotEqualTo(copy);
  }

  @Test
  void globalsComeOnlyFromTheAllowlist() {
    assertThat(PyGlobal.forName("collections.OrderedDict")).isPresent();
    assertThat(PyGlobal.forName("os.system")).isEmpty();
    assertThat(PyGlobal.forName("torch.float32")).isEmpty();
    assertThat(List.of(PyGlobal.forName("torch.FloatStorage").orElseThrow().name()))
        .containsExactly("FloatStorage");
  }
}
