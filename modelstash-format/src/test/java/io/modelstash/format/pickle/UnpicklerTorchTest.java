package io.modelstash.format.pickle;

import static io.modelstash.format.pickle.UnpicklerOpcodesTest.load;
import static io.modelstash.format.pickle.UnpicklerOpcodesTest.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import io.modelstash.format.DType;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Globals, REDUCE/NEWOBJ/BUILD forms, persistent ids and tensor rebuild functions. */
class UnpicklerTorchTest {
  private static Pickle call(String module, String name) {
    return Pickle.proto2().global(module, name);
  }

  @Test
  void refusedGlobalsNameThemselves() {
    assertThat(refusal(Pickle.raw().ascii("cos\nsystem\n").ascii("(S'ls'\ntR.")))
        .isEqualTo(
            "Cannot load pickle: global 'os.system' is not allowed"
                + " (modelstash never executes code from a file)");
    assertThat(refusal(Pickle.raw().ascii("cposix\nsystem\n."))).contains("'posix.system'");
    assertThat(refusal(Pickle.raw().ascii("cnt\nsystem\n."))).contains("'nt.system'");
    assertThat(refusal(Pickle.raw().ascii("csys\nexit\n."))).contains("'sys.exit'");
    assertThat(refusal(call("builtins", "eval"))).contains("'builtins.eval'");
    assertThat(refusal(call("__builtin__", "getattr"))).contains("'builtins.getattr'");
    assertThat(refusal(call("__builtin__", "reduce"))).contains("'functools.reduce'");
    assertThat(refusal(call("torch", "load"))).contains("'torch.load'");
    assertThat(refusal(call("functools", "partial"))).contains("'functools.partial'");
    assertThat(refusal(call("subprocess", "Popen"))).contains("'subprocess.Popen'");
    assertThat(refusal(call("os.path", "join"))).contains("'os.path.join'");
    assertThat(refusal(call("torch._utils", "_rebuild_nested_tensor")))
        .contains("'torch._utils._rebuild_nested_tensor'");
    assertThat(refusal(call("torch.distributed.tensor", "DTensor"))).contains("DTensor");
    assertThat(refusal(call("torch", "float4_e2m1fn"))).contains("'torch.float4_e2m1fn'");
    assertThat(refusal(call("__main__", "Evil\u0001"))).contains("'__main__.Evil\\x01'");
    assertThat(refusal(Pickle.proto2().ascii("ctorch\nSize"))).contains("no terminating newline");
    assertThat(refusal(Pickle.proto2().op('c').u8(0xFF).ascii("\nx\n")))
        .contains("GLOBAL module is not valid UTF-8");
  }

  @Test
  void allowedGlobalsAreSymbolicValues() throws Exception {
    assertThat(load(call("torch", "bfloat16").stop())).isEqualTo(DType.BFLOAT16);
    assertThat(load(call("torch", "uint7").stop())).isEqualTo(DType.UINT7);
    assertThat(load(call("torch", "per_channel_affine").stop()))
        .isEqualTo(QScheme.PER_CHANNEL_AFFINE);
    Object od = load(call("collections", "OrderedDict").stop());
    assertThat(od).isInstanceOf(PyGlobal.class).hasToString("collections.OrderedDict");
    assertThat(load(call("__builtin__", "set").stop())).hasToString("builtins.set");
    assertThat(load(call("torch.cuda.sparse", "LongTensor").stop()))
        .hasToString("torch.cuda.sparse.LongTensor");
  }

  @Test
  void reduceNeedsAnAllowedCallableAndATuple() {
    assertThat(refusal(Pickle.proto2().binint1(1).emptyTuple().reduce().stop()))
        .contains("Trying to call reduce for unrecognized function 1");
    assertThat(refusal(call("torch", "float32").emptyTuple().reduce().stop()))
        .contains("'torch.dtype' is not callable");
    assertThat(refusal(call("torch", "Size").emptyList().reduce().stop()))
        .contains("REDUCE arguments must be a tuple, got list");
    assertThat(refusal(call("torch", "FloatStorage").emptyTuple().reduce().stop()))
        .contains("not callable");
    assertThat(refusal(call("torch", "Tensor").emptyTuple().reduce().stop()))
        .contains("calling torch.Tensor at offset");
  }

  @Test
  void pythonTypesThroughReduce() throws Exception {
    PyDict od =
        (PyDict)
            load(
                call("collections", "OrderedDict")
                    .emptyList()
                    .str("b")
                    .binint1(2)
                    .tuple2()
                    .append()
                    .str("a")
                    .binint1(1)
                    .tuple2()
                    .append()
                    .tuple1()
                    .reduce()
                    .stop());
    assertThat(od.kind()).isEqualTo(PyDict.Kind.ORDERED_DICT);
    assertThat(od.keys()).containsExactly("b", "a");
    PyDict counter =
        (PyDict)
            load(
                call("collections", "Counter")
                    .emptyDict()
                    .str("a")
                    .binint1(2)
                    .setitem()
                    .tuple1()
                    .reduce()
                    .stop());
    assertThat(counter.kind()).isEqualTo(PyDict.Kind.COUNTER);
    assertThat(counter.get("a")).isEqualTo(2L);
    PyDict counted =
        (PyDict)
            load(
                call("collections", "Counter")
                    .mark()
                    .str("a")
                    .str("b")
                    .str("a")
                    .tuple()
                    .tuple1()
                    .reduce()
                    .stop());
    assertThat(counted.get("a")).isEqualTo(2L);
    PySet set =
        (PySet)
            load(
                call("__builtin__", "set")
                    .mark()
                    .binint1(1)
                    .bool(true)
                    .binint1(2)
                    .tuple()
                    .tuple1()
                    .reduce()
                    .stop());
    assertThat(set.items()).containsExactly(1L, 2L);
    assertThat(
            load(call("__builtin__", "complex").binfloat(1.5).binint(-2).tuple2().reduce().stop()))
        .isEqualTo(new PyComplex(1.5, -2));
    assertThat(
            load(call("_codecs", "encode").str("a\u00ff").str("latin-1").tuple2().reduce().stop()))
        .isEqualTo(new PyBytes(new byte[] {'a', (byte) 0xFF}, false));
    PyBytes ba =
        (PyBytes)
            load(
                call("__builtin__", "bytearray")
                    .global("_codecs", "encode")
                    .str("xy")
                    .str("latin1")
                    .tuple2()
                    .reduce()
                    .tuple1()
                    .reduce()
                    .stop());
    assertThat(ba).isEqualTo(new PyBytes("xy".getBytes(), true));
    assertThat(load(call("torch", "Size").binint1(2).binint1(3).tuple2().tuple1().reduce().stop()))
        .isEqualTo(TorchSize.of(2, 3));
    assertThat(load(call("torch", "device").str("cuda").binint1(1).tuple2().reduce().stop()))
        .isEqualTo(new TorchDevice("cuda:1"));
    assertThat(load(call("torch", "device").str("cuda:0").tuple1().reduce().stop()))
        .isEqualTo(new TorchDevice("cuda:0"));
    assertThat(
            load(
                call("torch.serialization", "_get_layout")
                    .str("torch.sparse_csr")
                    .tuple1()
                    .reduce()
                    .stop()))
        .isEqualTo(TorchLayout.SPARSE_CSR);
  }

  @Test
  void reduceArgumentsAreChecked() {
    assertThat(
            refusal(call("_codecs", "encode").str("\u20ac").str("latin1").tuple2().reduce().stop()))
        .contains("can't encode");
    assertThat(refusal(call("_codecs", "encode").str("a").str("utf-8").tuple2().reduce().stop()))
        .contains("only (str, 'latin1')");
    assertThat(refusal(call("torch", "device").str("gpu").tuple1().reduce().stop()))
        .contains("not a torch device");
    assertThat(refusal(call("torch", "device").str("cuda").binint(-1).tuple2().reduce().stop()))
        .contains("must not be negative");
    assertThat(
            refusal(
                call("torch.serialization", "_get_layout")
                    .str("torch.bogus")
                    .tuple1()
                    .reduce()
                    .stop()))
        .contains("unknown layout");
    assertThat(
            refusal(
                call("collections", "OrderedDict").binint1(1).binint1(2).tuple2().reduce().stop()))
        .contains("takes 0 to 1 arguments, got 2");
    assertThat(
            refusal(
                call("__builtin__", "set")
                    .emptyList()
                    .emptyList()
                    .append()
                    .tuple1()
                    .reduce()
                    .stop()))
        .contains("unhashable type: 'list'");
    assertThat(refusal(call("torch", "Size").mark().binfloat(1.0).tuple().tuple1().reduce().stop()))
        .contains("dimension 0 must be an int");
  }

  @Test
  void newobjFollowsClassNew() throws Exception {
    // OrderedDict.__new__ ignores its arguments (__init__ would fill them).
    PyDict od =
        (PyDict) load(call("collections", "OrderedDict").emptyList().tuple1().newobj().stop());
    assertThat(od.size()).isZero();
    assertThat(load(call("torch", "Size").binint1(4).tuple1().tuple1().newobj().stop()))
        .isEqualTo(TorchSize.of(4));
    TensorRef p =
        (TensorRef)
            load(
                call("torch.nn.parameter", "Parameter")
                    .tensorV2("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                    .bool(false)
                    .tuple2()
                    .newobj()
                    .stop());
    assertThat(p.parameter()).isTrue();
    assertThat(p.requiresGrad()).isFalse();
    assertThat(refusal(call("torch._utils", "_rebuild_tensor_v2").emptyTuple().newobj().stop()))
        .contains("which is not a class");
    assertThat(refusal(Pickle.proto2().str("x").emptyTuple().newobj().stop()))
        .contains("Can only create new object");
  }

  @Test
  void legacyTensorNewobjAndBuild() throws Exception {
    PyTuple both =
        (PyTuple)
            load(
                call("torch", "Tensor")
                    .emptyTuple()
                    .newobj()
                    .put(0)
                    .mark()
                    .storage("FloatStorage", "0", 6)
                    .binint1(0)
                    .ints(2, 3)
                    .ints(3, 1)
                    .tuple()
                    .build()
                    .get(0)
                    .tuple2()
                    .stop());
    TensorRef t = (TensorRef) both.get(0);
    assertThat(both.get(1)).isSameAs(t);
    assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(t.size()).containsExactly(2, 3);
    assertThat(refusal(call("torch", "Tensor").emptyTuple().newobj().stop()))
        .contains("was not initialized by BUILD");
    assertThat(refusal(call("torch", "Tensor").emptyTuple().newobj().tuple1().stop()))
        .contains("used before its BUILD");
    assertThat(
            refusal(
                call("torch", "LongTensor")
                    .emptyTuple()
                    .newobj()
                    .mark()
                    .storage("FloatStorage", "0", 6)
                    .binint1(0)
                    .ints(6)
                    .ints(1)
                    .tuple()
                    .build()
                    .stop()))
        .contains("expected a storage of type int64");
  }

  @Test
  void buildRules() throws Exception {
    PyDict od =
        (PyDict)
            load(
                Pickle.proto2()
                    .orderedDict()
                    .emptyDict()
                    .str("_metadata")
                    .orderedDict()
                    .setitem()
                    .build()
                    .stop());
    assertThat(od.attributes()).containsOnlyKeys("_metadata");
    assertThat(refusal(Pickle.proto2().emptyDict().emptyDict().build().stop()))
        .contains(
            "Can only build Tensor, Parameter, OrderedDict or allowlisted types, but got"
                + " dict");
    assertThat(refusal(Pickle.proto2().emptyList().emptyDict().build().stop()))
        .contains("but got list");
    assertThat(refusal(Pickle.proto2().orderedDict().none().build().stop()))
        .contains("must be a dict");
    assertThat(
            refusal(
                Pickle.proto2()
                    .orderedDict()
                    .emptyDict()
                    .binint1(1)
                    .binint1(1)
                    .setitem()
                    .build()
                    .stop()))
        .contains("attribute names must be str");
    // Allowlisted builtins have no __dict__: only an empty state is accepted, as in torch.
    assertThat(load(call("torch", "Size").emptyTuple().reduce().emptyDict().build().stop()))
        .isEqualTo(TorchSize.of());
    assertThat(
            refusal(
                call("torch", "Size")
                    .emptyTuple()
                    .reduce()
                    .emptyDict()
                    .str("a")
                    .binint1(1)
                    .setitem()
                    .build()
                    .stop()))
        .contains("torch.Size");
    assertThat(
            refusal(
                Pickle.proto2()
                    .tensorV2("FloatStorage", "0", 1, 0, new long[0], new long[0])
                    .emptyDict()
                    .build()
                    .stop()))
        .contains("BUILD on an existing tensor");
  }

  @Test
  void persistentIdsBecomeStorageRefs() throws Exception {
    StorageRef s = (StorageRef) load(Pickle.proto2().storage("HalfStorage", "7", 10).stop());
    assertThat(s).isEqualTo(new StorageRef("7", DType.FLOAT16, 10, "cpu", false, null));
    assertThat(s.nbytes()).isEqualTo(20);
    StorageRef cuda =
        (StorageRef)
            load(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch.cuda", "BFloat16Storage")
                    .str("k")
                    .str("cuda:1")
                    .binint1(3)
                    .tuple()
                    .persid()
                    .stop());
    assertThat(cuda.dtype()).isEqualTo(DType.BFLOAT16);
    assertThat(cuda.location()).isEqualTo("cuda:1");
    StorageRef untyped =
        (StorageRef)
            load(Pickle.proto2().storage("torch.storage", "UntypedStorage", "0", 12).stop());
    assertThat(untyped).isEqualTo(StorageRef.untyped("0", 12));
    StorageRef typedStorage =
        (StorageRef) load(Pickle.proto2().storage("torch.storage", "TypedStorage", "0", 3).stop());
    assertThat(typedStorage.untyped()).isTrue();
    StorageRef intKey =
        (StorageRef)
            load(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .binint1(3)
                    .str("cpu")
                    .binint1(1)
                    .tuple()
                    .persid()
                    .stop());
    assertThat(intKey.key()).isEqualTo("3");
    StorageRef bytesTag =
        (StorageRef)
            load(
                Pickle.proto2()
                    .mark()
                    .global("_codecs", "encode")
                    .str("storage")
                    .str("latin1")
                    .tuple2()
                    .reduce()
                    .global("torch", "FloatStorage")
                    .str("0")
                    .str("cpu")
                    .binint1(1)
                    .tuple()
                    .persid()
                    .stop());
    assertThat(bytesTag.key()).isEqualTo("0");
  }

  @Test
  void legacySixTuplePersistentIds() throws Exception {
    PyTuple t =
        (PyTuple)
            load(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .str("139")
                    .str("cpu")
                    .binint1(12)
                    .none()
                    .tuple()
                    .persid()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .str("139")
                    .str("cpu")
                    .binint1(12)
                    .str("140")
                    .binint1(4)
                    .binint1(8)
                    .tuple3()
                    .tuple()
                    .persid()
                    .tuple2()
                    .stop());
    StorageRef root = (StorageRef) t.get(0);
    StorageRef view = (StorageRef) t.get(1);
    assertThat(root.view()).isNull();
    assertThat(view.key()).isEqualTo("139");
    assertThat(view.view()).isEqualTo(new StorageView("140", 4, 8));
    assertThat(
            refusal(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .str("1")
                    .str("cpu")
                    .binint1(12)
                    .str("2")
                    .binint1(8)
                    .binint1(8)
                    .tuple3()
                    .tuple()
                    .persid()
                    .stop()))
        .contains("outside its root storage of 12 elements");
  }

  @Test
  void badPersistentIdsAreRefused() {
    assertThat(
            refusal(
                Pickle.proto2()
                    .mark()
                    .str("module")
                    .global("torch", "FloatStorage")
                    .str("0")
                    .str("cpu")
                    .binint1(1)
                    .tuple()
                    .persid()
                    .stop()))
        .contains("Only persistent_load of storage is allowed, but got 'module'");
    assertThat(refusal(Pickle.proto2().binint1(3).persid().stop()))
        .contains("persistent_load id must be a ('storage', ...) tuple, but got int");
    assertThat(refusal(Pickle.proto2().emptyTuple().persid().stop())).contains("but got tuple");
    assertThat(
            refusal(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .str("0")
                    .str("cpu")
                    .tuple()
                    .persid()
                    .stop()))
        .contains("got 4");
    for (String key : List.of("../0", "a/b", "a\\b", "", "x\u0000")) {
      assertThat(refusal(Pickle.proto2().storage("FloatStorage", key, 1).stop()))
          .contains("invalid storage key");
    }
    assertThat(
            refusal(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("collections", "OrderedDict")
                    .str("0")
                    .str("cpu")
                    .binint1(1)
                    .tuple()
                    .persid()
                    .stop()))
        .contains("storage type must be a storage class");
    assertThat(
            refusal(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .str("0")
                    .str("cpu")
                    .binint(-1)
                    .tuple()
                    .persid()
                    .stop()))
        .contains("numel must be an int >= 0");
    assertThat(refusal(Pickle.proto2().storage("DoubleStorage", "0", 1L << 61).stop()))
        .contains("overflows a long");
    assertThat(
            refusal(
                Pickle.proto2()
                    .mark()
                    .str("storage")
                    .global("torch", "FloatStorage")
                    .str("0")
                    .str("cpu")
                    .long1(BigInteger.TWO.pow(70))
                    .tuple()
                    .persid()
                    .stop()))
        .contains("numel must be an int >= 0");
  }

  @Test
  void storageKeysAreConsistentAndShared() throws Exception {
    PyTuple t =
        (PyTuple)
            load(
                Pickle.proto2()
                    .storage("FloatStorage", "0", 4)
                    .storage("FloatStorage", "0", 4)
                    .tuple2()
                    .stop());
    assertThat(t.get(0)).isSameAs(t.get(1));
    assertThat(
            refusal(
                Pickle.proto2()
                    .storage("FloatStorage", "0", 4)
                    .storage("LongStorage", "0", 4)
                    .tuple2()
                    .stop()))
        .contains("storage key '0' is declared twice with different types");
  }

  @Test
  void rebuildTensorV2() throws Exception {
    TensorRef t =
        (TensorRef)
            load(
                Pickle.proto2()
                    .tensorV2("FloatStorage", "0", 12, 4, new long[] {4, 3}, new long[] {1, 4})
                    .stop());
    assertThat(t.storage()).isEqualTo(StorageRef.typed("0", DType.FLOAT32, 12));
    assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
    assertThat(t.storageOffset()).isEqualTo(4);
    assertThat(t.size()).containsExactly(4, 3);
    assertThat(t.stride()).containsExactly(1, 4);
    assertThat(t.requiresGrad() || t.parameter() || t.conj() || t.neg()).isFalse();
    assertThat(t.quant()).isNull();
    assertThat(t.attributes()).isEmpty();
  }

  @Test
  void rebuildTensorV2MetadataAndChecks() throws Exception {
    TensorRef conj =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_tensor_v2")
                    .mark()
                    .storage("ComplexFloatStorage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .bool(false)
                    .orderedDict()
                    .emptyDict()
                    .str("conj")
                    .bool(true)
                    .setitem()
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(conj.conj()).isTrue();
    assertThat(conj.neg()).isFalse();
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_tensor_v2")
                    .mark()
                    .storage("FloatStorage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .bool(false)
                    .orderedDict()
                    .emptyDict()
                    .str("evil")
                    .bool(true)
                    .setitem()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("unexpected metadata key 'evil'");
    assertThat(refusal(tensor("FloatStorage", -1, "(2,)", "(1,)")))
        .contains("storage_offset is negative: -1");
    assertThat(refusal(tensor("FloatStorage", 0, "(-2,)", "(1,)")))
        .contains("size[0] is negative: -2");
    assertThat(refusal(tensor("FloatStorage", 0, "(2,)", "(-1,)")))
        .contains("stride[0] is negative: -1");
    assertThat(refusal(tensor("FloatStorage", 0, "[2]", "(1,)")))
        .contains("size must be a tuple of ints, got list");
    assertThat(refusal(tensor("FloatStorage", 0, "(2,3)", "(1,)")))
        .contains("mismatch in length of strides and shape");
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_tensor_v2")
                    .mark()
                    .storage("FloatStorage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .bool(false)
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("takes 6 to 7 arguments, got 5");
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_tensor_v2")
                    .mark()
                    .storage("LongStorage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .bool(true)
                    .orderedDict()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("only tensors of floating point");
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_tensor_v2")
                    .mark()
                    .storage("FloatStorage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .binint1(1)
                    .orderedDict()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("requires_grad must be a bool, got int");
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_tensor_v2")
                    .mark()
                    .str("x")
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .bool(false)
                    .orderedDict()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("storage must be a persistent storage, got str");
  }

  /** _rebuild_tensor_v2 with a given offset and size/stride written as "(a,b)" or "[a]". */
  private static Pickle tensor(String cls, long offset, String size, String stride) {
    Pickle q =
        call("torch._utils", "_rebuild_tensor_v2").mark().storage(cls, "0", 6).integer(offset);
    literal(q, size);
    literal(q, stride);
    return q.bool(false).orderedDict().tuple().reduce().stop();
  }

  private static void literal(Pickle p, String s) {
    boolean list = s.startsWith("[");
    String body = s.substring(1, s.length() - 1);
    String[] parts = body.isEmpty() ? new String[0] : body.split(",");
    if (list) {
      p.emptyList().mark();
    } else {
      p.mark();
    }
    for (String part : parts) {
      if (!part.isBlank()) {
        p.integer(Long.parseLong(part.trim()));
      }
    }
    if (list) {
      p.appends();
    } else {
      p.tuple();
    }
  }

  @Test
  void rebuildTensorV3AndOldForm() throws Exception {
    TensorRef v3 =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_tensor_v3")
                    .mark()
                    .storage("torch.storage", "UntypedStorage", "0", 8)
                    .binint1(0)
                    .ints(4)
                    .ints(1)
                    .bool(false)
                    .orderedDict()
                    .global("torch", "uint16")
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(v3.dtype()).isEqualTo(DType.UINT16);
    assertThat(v3.storage().untyped()).isTrue();
    TensorRef old =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_tensor")
                    .mark()
                    .storage("IntStorage", "0", 3)
                    .binint1(1)
                    .ints(2)
                    .ints(1)
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(old.dtype()).isEqualTo(DType.INT32);
    assertThat(old.storageOffset()).isEqualTo(1);
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_tensor_v3")
                    .mark()
                    .storage("torch.storage", "UntypedStorage", "0", 8)
                    .binint1(0)
                    .ints(4)
                    .ints(1)
                    .bool(false)
                    .orderedDict()
                    .str("uint16")
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("dtype must be a torch dtype, got str");
  }

  @Test
  void parameters() throws Exception {
    TensorRef p =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_parameter")
                    .tensorV2("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                    .bool(true)
                    .orderedDict()
                    .tuple3()
                    .reduce()
                    .stop());
    assertThat(p.parameter()).isTrue();
    assertThat(p.requiresGrad()).isTrue();
    TensorRef withState =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_parameter_with_state")
                    .mark()
                    .tensorV2("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                    .bool(false)
                    .orderedDict()
                    .emptyDict()
                    .str("tag")
                    .binint1(1)
                    .setitem()
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(withState.attributes()).isEqualTo(Map.of("tag", 1L));
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_parameter_with_state")
                    .mark()
                    .tensorV2("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                    .bool(false)
                    .orderedDict()
                    .emptyDict()
                    .str("data")
                    .binint1(1)
                    .setitem()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("tensor attribute 'data' cannot be set from a file");
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_parameter")
                    .str("x")
                    .bool(true)
                    .orderedDict()
                    .tuple3()
                    .reduce()
                    .stop()))
        .contains("data must be a dense tensor");
  }

  @Test
  void rebuildFromTypeV2() throws Exception {
    Pickle args =
        call("torch._tensor", "_rebuild_from_type_v2")
            .mark()
            .global("torch._utils", "_rebuild_tensor_v2")
            .global("torch", "Tensor")
            .mark()
            .storage("FloatStorage", "0", 2)
            .binint1(0)
            .ints(2)
            .ints(1)
            .bool(false)
            .orderedDict()
            .tuple()
            .emptyDict()
            .str("foo")
            .str("bar")
            .setitem()
            .tuple()
            .reduce()
            .stop();
    TensorRef t = (TensorRef) load(args);
    assertThat(t.parameter()).isFalse();
    assertThat(t.attributes()).isEqualTo(Map.of("foo", "bar"));
    TensorRef p =
        (TensorRef)
            load(
                call("torch._tensor", "_rebuild_from_type_v2")
                    .mark()
                    .global("torch._utils", "_rebuild_tensor_v2")
                    .global("torch.nn.parameter", "Parameter")
                    .mark()
                    .storage("FloatStorage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .bool(false)
                    .orderedDict()
                    .tuple()
                    .none()
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(p.parameter()).isTrue();
    assertThat(
            refusal(
                call("torch._tensor", "_rebuild_from_type_v2")
                    .mark()
                    .global("collections", "OrderedDict")
                    .global("torch", "Tensor")
                    .emptyTuple()
                    .none()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("func must be a tensor rebuild function");
    assertThat(
            refusal(
                call("torch._tensor", "_rebuild_from_type_v2")
                    .mark()
                    .global("torch._utils", "_rebuild_tensor_v2")
                    .global("torch", "FloatTensor")
                    .emptyTuple()
                    .none()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("new_type must be torch.Tensor or Parameter");
  }

  @Test
  void quantizedTensors() throws Exception {
    TensorRef q =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_qtensor")
                    .mark()
                    .storage("QInt8Storage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .global("torch", "per_tensor_affine")
                    .binfloat(0.5)
                    .binint1(3)
                    .tuple3()
                    .bool(false)
                    .orderedDict()
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(q.quant()).isEqualTo(QuantParams.perTensor(0.5, 3));
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_qtensor")
                    .mark()
                    .storage("FloatStorage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .global("torch", "per_tensor_affine")
                    .binfloat(0.5)
                    .binint1(3)
                    .tuple3()
                    .bool(false)
                    .orderedDict()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("must hold a quantized dtype");
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_qtensor")
                    .mark()
                    .storage("QInt8Storage", "0", 2)
                    .binint1(0)
                    .ints(2)
                    .ints(1)
                    .global("torch", "per_tensor_symmetric")
                    .binfloat(0.5)
                    .binint1(3)
                    .tuple3()
                    .bool(false)
                    .orderedDict()
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("Can't deserialize quantized tensor");
    Pickle perChannel =
        call("torch._utils", "_rebuild_qtensor")
            .mark()
            .storage("QUInt8Storage", "0", 4)
            .binint1(0)
            .ints(2, 2)
            .ints(2, 1)
            .mark()
            .global("torch", "per_channel_affine")
            .tensorV2("DoubleStorage", "1", 3, 0, new long[] {3}, new long[] {1})
            .tensorV2("LongStorage", "2", 3, 0, new long[] {3}, new long[] {1})
            .binint1(0)
            .tuple()
            .bool(false)
            .orderedDict()
            .tuple()
            .reduce()
            .stop();
    assertThat(refusal(perChannel)).contains("length must equal size[axis]=2");
  }

  @Test
  void sparseMetaAndDeviceTensors() throws Exception {
    SparseTensorRef coo =
        (SparseTensorRef)
            load(
                call("torch._utils", "_rebuild_sparse_tensor")
                    .global("torch.serialization", "_get_layout")
                    .str("torch.sparse_coo")
                    .tuple1()
                    .reduce()
                    .mark()
                    .tensorV2("LongStorage", "0", 4, 0, new long[] {2, 2}, new long[] {2, 1})
                    .tensorV2("FloatStorage", "1", 2, 0, new long[] {2}, new long[] {1})
                    .global("torch", "Size")
                    .ints(2, 2)
                    .tuple1()
                    .reduce()
                    .bool(true)
                    .tuple()
                    .tuple2()
                    .reduce()
                    .stop());
    assertThat(coo.layout()).isEqualTo(TorchLayout.SPARSE_COO);
    assertThat(coo.data()).hasSize(4);
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_sparse_tensor")
                    .global("torch.serialization", "_get_layout")
                    .str("torch.strided")
                    .tuple1()
                    .reduce()
                    .emptyTuple()
                    .tuple2()
                    .reduce()
                    .stop()))
        .contains("layout torch.strided");
    TensorRef meta =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_meta_tensor_no_storage")
                    .mark()
                    .global("torch", "float16")
                    .ints(2, 3)
                    .ints(3, 1)
                    .bool(true)
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(meta.storage()).isNull();
    assertThat(meta.requiresGrad()).isTrue();
    TensorRef xla =
        (TensorRef)
            load(
                call("torch._utils", "_rebuild_device_tensor_from_cpu_tensor")
                    .mark()
                    .tensorV2("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                    .global("torch", "float32")
                    .str("xla:0")
                    .bool(true)
                    .tuple()
                    .reduce()
                    .stop());
    assertThat(xla.requiresGrad()).isTrue();
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_device_tensor_from_cpu_tensor")
                    .mark()
                    .tensorV2("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                    .global("torch", "float64")
                    .str("xla:0")
                    .bool(true)
                    .tuple()
                    .reduce()
                    .stop()))
        .contains("converting float32 to float64 is not supported");
    assertThat(
            refusal(call("torch._utils", "_rebuild_wrapper_subclass").emptyTuple().reduce().stop()))
        .contains("_rebuild_wrapper_subclass at offset")
        .contains("is not supported");
    assertThat(
            refusal(
                call("torch._utils", "_rebuild_device_tensor_from_numpy")
                    .emptyTuple()
                    .reduce()
                    .stop()))
        .contains("is not supported");
  }
}
