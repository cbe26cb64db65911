package io.modelstash.format.pickle;

import io.modelstash.format.DType;
import io.modelstash.format.pickle.PyGlobal.Sym;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The globals {@code torch.load(weights_only=True)} accepts, as fixed symbolic values: nothing is
 * imported, reflected or called. Mirrors {@code _get_allowed_globals()} of the newest {@code
 * torch/_weights_only_unpickler.py}, plus the Python 2 name mapping it applies first and the
 * modules it always blocks. Also knows the smaller PyTorch 1.13 allowlist, for the writer.
 */
final class Allowlist {
  private Allowlist() {}

  /** Modules refused even if a user allowlisted them. */
  static final Set<String> BLOCKED_MODULES = Set.of("sys", "os", "posix", "nt");

  /** torch._utils.IMPORT_MAPPING (a subset of CPython's _compat_pickle). */
  private static final Map<String, String> IMPORT_MAPPING =
      Map.ofEntries(
          Map.entry("__builtin__", "builtins"),
          Map.entry("copy_reg", "copyreg"),
          Map.entry("Queue", "queue"),
          Map.entry("repr", "reprlib"),
          Map.entry("_abcoll", "collections.abc"),
          Map.entry("UserDict", "collections"),
          Map.entry("UserList", "collections"),
          Map.entry("UserString", "collections"),
          Map.entry("whichdb", "dbm"),
          Map.entry("StringIO", "io"),
          Map.entry("cStringIO", "io"));

  /** torch._utils.NAME_MAPPING: (module, name) pairs, each as "module\nname". */
  private static final Map<String, String> NAME_MAPPING =
      Map.ofEntries(
          Map.entry("__builtin__\nxrange", "builtins\nrange"),
          Map.entry("__builtin__\nreduce", "functools\nreduce"),
          Map.entry("__builtin__\nintern", "sys\nintern"),
          Map.entry("__builtin__\nunichr", "builtins\nchr"),
          Map.entry("__builtin__\nunicode", "builtins\nstr"),
          Map.entry("__builtin__\nlong", "builtins\nint"),
          Map.entry("itertools\nizip", "builtins\nzip"),
          Map.entry("itertools\nimap", "builtins\nmap"),
          Map.entry("itertools\nifilter", "builtins\nfilter"),
          Map.entry("itertools\nifilterfalse", "itertools\nfilterfalse"),
          Map.entry("itertools\nizip_longest", "itertools\nzip_longest"),
          Map.entry("UserDict\nIterableUserDict", "collections\nUserDict"),
          Map.entry("UserList\nUserList", "collections\nUserList"),
          Map.entry("UserString\nUserString", "collections\nUserString"),
          Map.entry("__builtin__\nbasestring", "builtins\nstr"),
          Map.entry("exceptions\nStandardError", "builtins\nException"),
          Map.entry("UserDict\nUserDict", "collections\nUserDict"));

  /** Tensor and storage class name stems, as in {@code torch._tensor_classes}. */
  private static final List<String> TENSOR_STEMS =
      List.of(
          "Float", "Double", "Half", "BFloat16", "Byte", "Char", "Short", "Int", "Long", "Bool");

  private static final List<String> CUDA_STORAGES =
      List.of(
          "BFloat16Storage",
          "BoolStorage",
          "ByteStorage",
          "CharStorage",
          "ComplexDoubleStorage",
          "ComplexFloatStorage",
          "DoubleStorage",
          "FloatStorage",
          "HalfStorage",
          "IntStorage",
          "LongStorage",
          "ShortStorage");

  /** Dtypes that are globals in the newest allowlist (legacy map, new dtypes, uint1-7, int1-7). */
  private static final List<DType> DTYPES =
      List.of(
          DType.FLOAT64,
          DType.FLOAT32,
          DType.FLOAT16,
          DType.BFLOAT16,
          DType.INT64,
          DType.INT32,
          DType.INT16,
          DType.INT8,
          DType.UINT8,
          DType.BOOL,
          DType.COMPLEX128,
          DType.COMPLEX64,
          DType.QINT8,
          DType.QINT32,
          DType.QUINT8,
          DType.QUINT4X2,
          DType.QUINT2X4,
          DType.FLOAT8_E5M2,
          DType.FLOAT8_E4M3FN,
          DType.FLOAT8_E5M2FNUZ,
          DType.FLOAT8_E4M3FNUZ,
          DType.FLOAT8_E8M0FNU,
          DType.FLOAT4_E2M1FN_X2,
          DType.BITS8,
          DType.BITS16,
          DType.BITS1X8,
          DType.BITS2X4,
          DType.BITS4X2,
          DType.COMPLEX32,
          DType.UINT16,
          DType.UINT32,
          DType.UINT64,
          DType.UINT1,
          DType.UINT2,
          DType.UINT3,
          DType.UINT4,
          DType.UINT5,
          DType.UINT6,
          DType.UINT7,
          DType.INT1,
          DType.INT2,
          DType.INT3,
          DType.INT4,
          DType.INT5,
          DType.INT6,
          DType.INT7);

  /** Dtypes that are globals in PyTorch 1.13's allowlist. */
  static final Set<DType> DTYPES_1_13 =
      Set.of(
          DType.COMPLEX32,
          DType.COMPLEX64,
          DType.COMPLEX128,
          DType.FLOAT16,
          DType.FLOAT32,
          DType.FLOAT64,
          DType.INT8,
          DType.INT16,
          DType.INT32,
          DType.INT64);

  private static final Map<String, Object> ALLOWED = new HashMap<>();

  /** Qualified names of non-dtype globals that PyTorch 1.13's weights-only loader accepts. */
  static final Set<String> GLOBALS_1_13 = new HashSet<>();

  static {
    fn("collections", "OrderedDict", Sym.ORDERED_DICT, true);
    fn("collections", "Counter", Sym.COUNTER, false);
    fn("torch.nn.parameter", "Parameter", Sym.PARAMETER, true);
    fn("torch.serialization", "_get_layout", Sym.GET_LAYOUT, true);
    fn("torch", "Size", Sym.SIZE, true);
    fn("torch", "Tensor", Sym.TENSOR_CLASS, true);
    fn("torch", "device", Sym.DEVICE, false);
    fn("_codecs", "encode", Sym.CODECS_ENCODE, false);
    fn("builtins", "bytearray", Sym.BYTEARRAY, false);
    fn("builtins", "set", Sym.SET, false);
    fn("builtins", "complex", Sym.COMPLEX, false);
    for (DType t : DTYPES) {
      ALLOWED.put("torch." + t.torchName(), t);
    }
    for (QScheme q : QScheme.values()) {
      ALLOWED.put("torch." + q.torchName(), q);
    }
    for (String stem : TENSOR_STEMS) {
      DType dtype = DType.fromStorageClass(stem + "Storage").orElseThrow();
      for (String module : List.of("torch", "torch.cuda", "torch.sparse", "torch.cuda.sparse")) {
        if (!(stem.equals("Bool") && module.endsWith("sparse"))) {
          put(new PyGlobal(module, stem + "Tensor", Sym.TENSOR_CLASS, dtype), true);
        }
      }
    }
    for (DType t : DType.values()) {
      if (t.storageClass().isPresent()) {
        put(new PyGlobal("torch", t.storageClass().get(), Sym.STORAGE_CLASS, t), true);
      }
    }
    for (String name : CUDA_STORAGES) {
      DType dtype = DType.fromStorageClass(name).orElseThrow();
      put(new PyGlobal("torch.cuda", name, Sym.STORAGE_CLASS, dtype), true);
    }
    fn("torch.storage", "UntypedStorage", Sym.UNTYPED_STORAGE, true);
    fn("torch.storage", "TypedStorage", Sym.TYPED_STORAGE, true);
    fn("torch._utils", "_rebuild_parameter", Sym.REBUILD_PARAMETER, true);
    fn("torch._utils", "_rebuild_parameter_with_state", Sym.REBUILD_PARAMETER_WITH_STATE, false);
    fn("torch._utils", "_rebuild_qtensor", Sym.REBUILD_QTENSOR, false);
    fn("torch._utils", "_rebuild_tensor", Sym.REBUILD_TENSOR, true);
    fn("torch._utils", "_rebuild_tensor_v2", Sym.REBUILD_TENSOR_V2, true);
    fn("torch._utils", "_rebuild_tensor_v3", Sym.REBUILD_TENSOR_V3, false);
    fn("torch._utils", "_rebuild_sparse_tensor", Sym.REBUILD_SPARSE_TENSOR, true);
    fn("torch._utils", "_rebuild_meta_tensor_no_storage", Sym.REBUILD_META_TENSOR_NO_STORAGE, true);
    fn("torch._utils", "_rebuild_wrapper_subclass", Sym.REBUILD_WRAPPER_SUBCLASS, false);
    fn(
        "torch._utils",
        "_rebuild_device_tensor_from_numpy",
        Sym.REBUILD_DEVICE_TENSOR_FROM_NUMPY,
        false);
    fn(
        "torch._utils",
        "_rebuild_device_tensor_from_cpu_tensor",
        Sym.REBUILD_DEVICE_TENSOR_FROM_CPU_TENSOR,
        false);
    fn("torch._tensor", "_rebuild_from_type_v2", Sym.REBUILD_FROM_TYPE_V2, false);
  }

  private static void fn(String module, String name, Sym sym, boolean in113) {
    put(new PyGlobal(module, name, sym, null), in113);
  }

  private static void put(PyGlobal g, boolean in113) {
    ALLOWED.put(g.qualifiedName(), g);
    if (in113) {
      GLOBALS_1_13.add(g.qualifiedName());
    }
  }

  /** {@code module + "\n" + name} after the Python 2 mapping torch applies to GLOBAL. */
  static String[] mapName(String module, String name) {
    String mapped = NAME_MAPPING.get(module + "\n" + name);
    if (mapped != null) {
      int nl = mapped.indexOf('\n');
      return new String[] {mapped.substring(0, nl), mapped.substring(nl + 1)};
    }
    return new String[] {IMPORT_MAPPING.getOrDefault(module, module), name};
  }

  /** The value of an allowed global (PyGlobal, DType or QScheme), or null if not allowed. */
  static Object lookup(String qualifiedName) {
    return ALLOWED.get(qualifiedName);
  }

  /** The storage-class global for a legacy typed storage dtype ({@code torch.FloatStorage}). */
  static PyGlobal storageClass(DType dtype) {
    return (PyGlobal) ALLOWED.get("torch." + dtype.storageClass().orElseThrow());
  }

  static PyGlobal global(String qualifiedName) {
    return (PyGlobal) ALLOWED.get(qualifiedName);
  }
}
