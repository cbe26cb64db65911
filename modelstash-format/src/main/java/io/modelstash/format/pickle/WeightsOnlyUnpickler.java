package io.modelstash.format.pickle;

import static io.modelstash.format.pickle.Opcodes.*;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import io.modelstash.format.pickle.PyGlobal.Sym;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a pickle with exactly the acceptance rules of the newest {@code torch.load(weights_only=
 * True)} ({@code torch/_weights_only_unpickler.py}) and returns it as the object model of this
 * package ({@link PyDict}, {@link TensorRef}, {@link StorageRef}, …).
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Nothing named by the input is ever executed, reflected, loaded or instantiated: {@code
 *       GLOBAL} is a lookup in a fixed allowlist of symbolic values, and {@code REDUCE}/{@code
 *       NEWOBJ} dispatch on the symbol with exact checks of argument counts and types.
 *   <li>Only the protocol-2 opcodes torch accepts are executed; anything else fails with
 *       "Unsupported operand N (NAME)". Modules {@code sys}, {@code os}, {@code posix}, {@code nt}
 *       are always refused.
 *   <li>The machine is iterative, every length is checked against the remaining input before
 *       allocating, and {@link Limits} bound opcodes, nesting, memo size and input length; the
 *       object graph is also never allowed to grow beyond a quarter of the maximum heap
 *       (estimated).
 *   <li>Corrupt, truncated, hostile or merely unsupported input fails with a {@link
 *       FormatException} and nothing else; no partial result is returned.
 * </ul>
 *
 * <p>Where torch would mutate state in ways that cannot be represented (BUILD on an existing
 * tensor, calling {@code torch.Tensor(...)} with data, numpy arrays, wrapper subclasses, nested
 * tensors, setting tensor properties such as {@code data} through attribute state) the input is
 * refused. Bounds of tensor views against their storages are left to the caller.
 */
public final class WeightsOnlyUnpickler {
  /** A value and the offset just past its {@code STOP} opcode. */
  public record Loaded(Object value, int end) {}

  /** A tensor created by {@code NEWOBJ torch.Tensor ()} that still waits for its BUILD. */
  private static final class PendingTensor {
    final PyGlobal cls;
    final List<Long> memoKeys = new ArrayList<>(1);

    PendingTensor(PyGlobal cls) {
      this.cls = cls;
    }
  }

  /** Attribute names that would change the tensor itself instead of adding a Python attribute. */
  private static final Set<String> TENSOR_PROPERTIES =
      Set.of(
          "data",
          "grad",
          "requires_grad",
          "_backward_hooks",
          "real",
          "imag",
          "names",
          "grad_fn",
          "is_leaf",
          "shape",
          "dtype",
          "device",
          "layout",
          "T",
          "H",
          "mT",
          "mH",
          "retains_grad",
          "_version",
          "_base",
          "_grad",
          "_grad_fn",
          "_cdata",
          "output_nr",
          "_post_accumulate_grad_hooks",
          "_is_param");

  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private final PickleInput in;
  private final Limits limits;
  private final long memoryBudget;
  private long memoryUsed;
  private Object[] stack = new Object[64];
  private int sp;
  private int base;
  private int[] marks = new int[16];
  private int markCount;
  private final HashMap<Long, Object> memo = new HashMap<>();
  private final HashMap<String, StorageRef> storages = new HashMap<>();

  /** Nesting depth of containers deeper than one level; absent means 1 (or 0 for scalars). */
  private final IdentityHashMap<Object, Integer> depth = new IdentityHashMap<>();

  private int pending;
  private int op;

  private WeightsOnlyUnpickler(byte[] data, int offset, Limits limits, long memoryBudget)
      throws FormatException {
    this.in = new PickleInput(data, offset, limits.maxBytes(), "load pickle");
    this.limits = limits;
    this.memoryBudget = memoryBudget;
  }

  /** Reads a whole {@code data.pkl}-style pickle with {@link Limits#defaults()}. */
  public static Object load(byte[] pickle) throws FormatException {
    return load(pickle, Limits.defaults());
  }

  /** Reads a pickle; bytes after its {@code STOP} are ignored, as torch does. */
  public static Object load(byte[] pickle, Limits limits) throws FormatException {
    return loadAt(pickle, 0, limits).value();
  }

  /**
   * Reads the pickle starting at {@code offset}, for streams of several pickles back to back (the
   * legacy pre-1.6 format).
   */
  public static Loaded loadAt(byte[] data, int offset, Limits limits) throws FormatException {
    return loadAt(data, offset, limits, Runtime.getRuntime().maxMemory() / 4);
  }

  static Loaded loadAt(byte[] data, int offset, Limits limits, long memoryBudget)
      throws FormatException {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(limits, "limits");
    WeightsOnlyUnpickler u = new WeightsOnlyUnpickler(data, offset, limits, memoryBudget);
    try {
      return u.run();
    } catch (RuntimeException e) {
      // A model constructor or exact arithmetic refused a value the checks above let through.
      throw new FormatException(
          PickleInput.oneLine(
              "Cannot load pickle: invalid value at offset "
                  + u.in.opStart
                  + ": "
                  + e.getMessage()
                  + " (the pickle is corrupt or hostile)"),
          e);
    }
  }

  private FormatException fail(String reason, String hint) {
    return in.fail(reason, hint);
  }

  private FormatException corrupt(String reason) {
    return fail(reason + " at offset " + in.opStart, "the pickle is corrupt or hostile");
  }

  private String opName() {
    return Opcodes.name(op);
  }

  private Loaded run() throws FormatException {
    long count = 0;
    while (true) {
      if (++count > limits.maxOpcodes()) {
        throw fail(
            "more than " + limits.maxOpcodes() + " opcodes",
            "raise Limits.maxOpcodes if this file is genuine");
      }
      in.opStart = in.pos;
      op = in.u8("an opcode");
      switch (op) {
        case PROTO -> in.u8("PROTO");
        case STOP -> {
          return stop();
        }
        case GLOBAL -> push(global());
        case REDUCE -> reduce();
        case NEWOBJ -> newobj();
        case BUILD -> build();
        case MARK -> mark();
        case TUPLE -> push(tuple(popMark()));
        case TUPLE1 -> {
          Object a = pop();
          push(tuple(List.of(a)));
        }
        case TUPLE2 -> {
          need(2);
          Object b = pop();
          Object a = pop();
          push(tuple(List.of(a, b)));
        }
        case TUPLE3 -> {
          need(3);
          Object c = pop();
          Object b = pop();
          Object a = pop();
          push(tuple(List.of(a, b, c)));
        }
        case EMPTY_TUPLE -> push(PyTuple.EMPTY);
        case EMPTY_LIST -> push(charge(new PyList(), 48));
        case EMPTY_DICT -> push(charge(PyDict.dict(), 160));
        case EMPTY_SET -> push(charge(new PySet(List.of()), 32));
        case APPEND -> append();
        case APPENDS -> appends();
        case SETITEM -> setitem();
        case SETITEMS -> setitems();
        case NONE -> push(PyNone.NONE);
        case NEWTRUE -> push(Boolean.TRUE);
        case NEWFALSE -> push(Boolean.FALSE);
        case BININT1 -> push(charge((long) in.u8("BININT1"), 24));
        case BININT2 -> push(charge((long) in.u16("BININT2"), 24));
        case BININT -> push(charge((long) in.i32("BININT"), 24));
        case LONG1 -> push(long1());
        case BINFLOAT -> push(charge(Double.longBitsToDouble(in.i64be("BINFLOAT")), 24));
        case BINUNICODE -> push(binunicode());
        case SHORT_BINSTRING -> push(shortBinstring());
        case BINPERSID -> push(persistentLoad(pop()));
        case BINGET -> push(memoGet(in.u8("BINGET")));
        case LONG_BINGET -> push(memoGet(in.u32("LONG_BINGET")));
        case BINPUT -> memoPut(in.u8("BINPUT"));
        case LONG_BINPUT -> memoPut(in.u32("LONG_BINPUT"));
        default -> throw unsupported();
      }
    }
  }

  private FormatException unsupported() {
    String hint =
        op >= SHORT_BINUNICODE && op <= READONLY_BUFFER || op == BINBYTES || op == SHORT_BINBYTES
            ? "weights_only reads protocol-2 pickles; torch.save writes protocol 2 unless"
                + " pickle_protocol is set"
            : "torch.load(weights_only=True) does not accept this opcode";
    return fail("Unsupported operand " + op + " (" + opName() + ") at offset " + in.opStart, hint);
  }

  // ---------------------------------------------------------------- stack and memo

  private <T> T charge(T value, long bytes) throws FormatException {
    memoryUsed += bytes;
    if (memoryUsed > memoryBudget) {
      throw fail(
          "the objects built from the pickle would take more than "
              + (memoryBudget >> 20)
              + " MiB at offset "
              + in.opStart,
          "a quarter of the maximum heap; give the JVM more memory if this file is genuine");
    }
    return value;
  }

  private void push(Object o) throws FormatException {
    if (sp == stack.length) {
      charge(null, 8L * sp);
      stack = Arrays.copyOf(stack, sp * 2);
    }
    stack[sp++] = o;
  }

  private void need(int n) throws FormatException {
    if (sp - base < n) {
      throw corrupt(
          "stack underflow: "
              + opName()
              + " needs "
              + n
              + " values, the stack has "
              + (sp - base)
              + " since the last MARK");
    }
  }

  private Object pop() throws FormatException {
    need(1);
    Object o = stack[--sp];
    stack[sp] = null;
    return o;
  }

  private Object top() throws FormatException {
    need(1);
    return stack[sp - 1];
  }

  private void mark() throws FormatException {
    if (markCount >= limits.maxDepth()) {
      throw fail(
          "more than " + limits.maxDepth() + " nested MARKs at offset " + in.opStart,
          "raise Limits.maxDepth if this file is genuine");
    }
    if (markCount == marks.length) {
      marks = Arrays.copyOf(marks, markCount * 2);
    }
    marks[markCount++] = base;
    base = sp;
  }

  private List<Object> popMark() throws FormatException {
    if (markCount == 0) {
      throw corrupt(opName() + " without a matching MARK");
    }
    List<Object> items = new ArrayList<>(Arrays.asList(stack).subList(base, sp));
    Arrays.fill(stack, base, sp, null);
    sp = base;
    base = marks[--markCount];
    return items;
  }

  private Object memoGet(long index) throws FormatException {
    Object o = memo.get(index);
    if (o == null) {
      throw corrupt(opName() + " of memo index " + index + ", which was never put");
    }
    return o;
  }

  private void memoPut(long index) throws FormatException {
    Object o = top();
    if (!memo.containsKey(index)) {
      if (memo.size() >= limits.maxMemo()) {
        throw fail(
            "more than " + limits.maxMemo() + " memo entries at offset " + in.opStart,
            "raise Limits.maxMemo if this file is genuine");
      }
      charge(null, 64);
    }
    memo.put(index, o);
    if (o instanceof PendingTensor p) {
      p.memoKeys.add(index);
    }
  }

  private void ensureBuilt(Object o) throws FormatException {
    if (o instanceof PendingTensor) {
      throw corrupt("a tensor created by NEWOBJ is used before its BUILD");
    }
  }

  private int depthOf(Object o) {
    Integer d = depth.get(o);
    return d != null ? d : Structural.isComposite(o) ? 1 : 0;
  }

  private void setDepth(Object container, int d) throws FormatException {
    if (d > limits.maxDepth()) {
      throw fail(
          "containers nested more than " + limits.maxDepth() + " deep at offset " + in.opStart,
          "raise Limits.maxDepth if this file is genuine");
    }
    if (d > 1) {
      depth.put(container, d);
    }
  }

  private void nest(Object container, Object child) throws FormatException {
    int d = depthOf(child) + 1;
    if (d > depthOf(container)) {
      setDepth(container, d);
    }
  }

  // ---------------------------------------------------------------- scalars

  private Object long1() throws FormatException {
    int n = in.u8("LONG1");
    int p = in.take(n, "LONG1");
    if (n == 0) {
      return 0L;
    }
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = in.buf[p + n - 1 - i];
    }
    return charge(normalizeInt(new BigInteger(be)), 32 + n);
  }

  static Object normalizeInt(BigInteger v) {
    return v.compareTo(LONG_MIN) >= 0 && v.compareTo(LONG_MAX) <= 0 ? (Object) v.longValue() : v;
  }

  private String binunicode() throws FormatException {
    long n = in.u32("BINUNICODE length");
    int p = in.take(n, "BINUNICODE");
    charge(null, 40 + 2 * n);
    String s = Utf8.decode(in.buf, p, (int) n, true);
    if (s == null) {
      throw corrupt("BINUNICODE string is not valid UTF-8");
    }
    return s;
  }

  private String shortBinstring() throws FormatException {
    int n = in.u8("SHORT_BINSTRING length");
    int p = in.take(n, "SHORT_BINSTRING");
    // torch.load decodes Python 2 str with encoding='utf-8' (strict).
    charge(null, 40 + 2 * n);
    String s = Utf8.decode(in.buf, p, n, false);
    if (s == null) {
      throw corrupt("SHORT_BINSTRING is not valid UTF-8");
    }
    return s;
  }

  // ---------------------------------------------------------------- GLOBAL

  private Object global() throws FormatException {
    String module = globalLine("GLOBAL module");
    String name = globalLine("GLOBAL name");
    String[] mapped = Allowlist.mapName(module, name);
    String full = mapped[0] + "." + mapped[1];
    Object value = Allowlist.BLOCKED_MODULES.contains(mapped[0]) ? null : Allowlist.lookup(full);
    if (value == null) {
      throw new FormatException(
          PickleInput.oneLine(
              "Cannot load pickle: global '"
                  + full
                  + "' is not allowed (modelstash never executes code from a file)"));
    }
    return value;
  }

  private String globalLine(String what) throws FormatException {
    int[] line = in.line(what);
    String s = Utf8.decode(in.buf, line[0], line[1], false);
    if (s == null) {
      throw corrupt(what + " is not valid UTF-8");
    }
    return s;
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && sb.length() < 200; i++) {
      char c = s.charAt(i);
      sb.append(c < 0x20 || c == 0x7F ? String.format("\\x%02x", (int) c) : String.valueOf(c));
    }
    return s.length() > 200 ? sb + "..." : sb.toString();
  }

  // ---------------------------------------------------------------- containers

  private PyTuple tuple(List<Object> items) throws FormatException {
    int d = 1;
    for (Object o : items) {
      ensureBuilt(o);
      d = Math.max(d, depthOf(o) + 1);
    }
    PyTuple t = charge(new PyTuple(items), 32 + 8L * items.size());
    setDepth(t, d);
    return t;
  }

  private PyList appendTarget() throws FormatException {
    Object target = top();
    if (!(target instanceof PyList list)) {
      throw corrupt("Can only append to lists, but got " + PythonKeys.typeName(target));
    }
    return list;
  }

  private void append() throws FormatException {
    Object item = pop();
    ensureBuilt(item);
    PyList list = appendTarget();
    charge(null, 8);
    list.add(item);
    nest(list, item);
  }

  private void appends() throws FormatException {
    List<Object> items = popMark();
    PyList list = appendTarget();
    charge(null, 8L * items.size());
    for (Object item : items) {
      ensureBuilt(item);
      list.add(item);
      nest(list, item);
    }
  }

  private PyDict setitemTarget() throws FormatException {
    Object target = top();
    if (!(target instanceof PyDict dict)) {
      throw corrupt(
          "Can only "
              + opName()
              + " for dict, collections.OrderedDict, collections.Counter, but got "
              + PythonKeys.typeName(target));
    }
    return dict;
  }

  private void setitem() throws FormatException {
    need(2);
    Object value = pop();
    Object key = pop();
    put(setitemTarget(), key, value);
  }

  private void setitems() throws FormatException {
    List<Object> items = popMark();
    PyDict dict = setitemTarget();
    if (items.size() % 2 != 0) {
      throw corrupt("SETITEMS with an odd number (" + items.size() + ") of keys and values");
    }
    for (int i = 0; i < items.size(); i += 2) {
      put(dict, items.get(i), items.get(i + 1));
    }
  }

  private void put(PyDict dict, Object key, Object value) throws FormatException {
    ensureBuilt(key);
    ensureBuilt(value);
    if (PythonKeys.normalize(key) == null) {
      throw corrupt("unhashable type: '" + PythonKeys.typeName(key) + "' used as a dict key");
    }
    charge(null, 64);
    dict.put(key, value);
    nest(dict, key);
    nest(dict, value);
  }

  // ---------------------------------------------------------------- STOP

  private Loaded stop() throws FormatException {
    if (pending > 0) {
      throw corrupt(
          "Object created by NEWOBJ was not initialized by BUILD; the pickle data is likely"
              + " corrupt or malicious");
    }
    Object result = pop();
    ensureBuilt(result);
    if (Structural.height(result, limits.maxDepth()) > limits.maxDepth()) {
      throw fail(
          "containers nested more than " + limits.maxDepth() + " deep",
          "raise Limits.maxDepth if this file is genuine");
    }
    return new Loaded(result, in.pos);
  }

  // ---------------------------------------------------------------- persistent ids

  private Object persistentLoad(Object pid) throws FormatException {
    ensureBuilt(pid);
    if (!(pid instanceof PyTuple t) || t.size() == 0) {
      throw corrupt(
          "persistent_load id must be a ('storage', ...) tuple, but got "
              + PythonKeys.typeName(pid));
    }
    if (!"storage".equals(ascii(t.get(0)))) {
      throw corrupt(
          "Only persistent_load of storage is allowed, but got "
              + printable(Structural.repr(t.get(0))));
    }
    if (t.size() != 5 && t.size() != 6) {
      throw corrupt(
          "a storage persistent id has 5 items (zip format) or 6 (legacy format), got " + t.size());
    }
    if (!(t.get(1) instanceof PyGlobal type)
        || !(type.sym == Sym.STORAGE_CLASS
            || type.sym == Sym.UNTYPED_STORAGE
            || type.sym == Sym.TYPED_STORAGE)) {
      throw corrupt("storage type must be a storage class, got " + PythonKeys.typeName(t.get(1)));
    }
    String key = storageKey(t.get(2));
    String location = ascii(t.get(3));
    if (location == null) {
      throw corrupt("storage location must be a str, got " + PythonKeys.typeName(t.get(3)));
    }
    if (!(t.get(4) instanceof Long numel) || numel < 0) {
      throw corrupt("storage numel must be an int >= 0, got " + Structural.leafRepr(t.get(4)));
    }
    boolean untyped = type.sym != Sym.STORAGE_CLASS;
    DType dtype = untyped ? DType.UINT8 : type.dtype;
    try {
      Math.multiplyExact(numel, (long) dtype.elementSize());
    } catch (ArithmeticException e) {
      throw corrupt("storage '" + key + "' of " + numel + " " + dtype + " overflows a long");
    }
    StorageView view = null;
    if (t.size() == 6) {
      view = storageView(t.get(5), numel);
    }
    StorageRef ref = charge(new StorageRef(key, dtype, numel, location, untyped, view), 96);
    StorageRef first = storages.putIfAbsent(key, ref);
    if (first == null) {
      return ref;
    }
    if (first.dtype() != dtype || first.numel() != numel || first.untyped() != untyped) {
      throw corrupt(
          "storage key '"
              + key
              + "' is declared twice with different types ("
              + first.numel()
              + " x "
              + first.dtype()
              + " then "
              + numel
              + " x "
              + dtype
              + ")");
    }
    if (Objects.equals(first.view(), view)) {
      return first;
    }
    return new StorageRef(key, dtype, numel, first.location(), untyped, view);
  }

  private String storageKey(Object o) throws FormatException {
    String key;
    if (o instanceof String s) {
      key = s;
    } else if (o instanceof Long l && l >= 0) {
      // torch formats the key into "data/{key}", so an int names the same record as its digits.
      key = Long.toString(l);
    } else {
      throw corrupt("storage key must be a str, got " + PythonKeys.typeName(o));
    }
    String problem = StorageRef.keyProblem(key);
    if (problem != null) {
      throw corrupt(printable(problem));
    }
    return key;
  }

  private StorageView storageView(Object o, long rootNumel) throws FormatException {
    if (o instanceof PyNone) {
      return null;
    }
    if (!(o instanceof PyTuple v)
        || v.size() != 3
        || !(v.get(1) instanceof Long offset)
        || !(v.get(2) instanceof Long size)
        || offset < 0
        || size < 0) {
      throw corrupt("legacy view metadata must be None or (view_key, offset, size)");
    }
    String viewKey = storageKey(v.get(0));
    if (offset > rootNumel - size) {
      throw corrupt(
          "storage view ["
              + offset
              + ", "
              + offset
              + " + "
              + size
              + ") is outside its root storage of "
              + rootNumel
              + " elements");
    }
    return new StorageView(viewKey, offset, size);
  }

  /** A str, or bytes decoded as ASCII (torch.serialization._maybe_decode_ascii); else null. */
  private static String ascii(Object o) {
    if (o instanceof String s) {
      return s;
    }
    if (o instanceof PyBytes b && !b.mutable()) {
      byte[] v = b.value();
      for (byte x : v) {
        if (x < 0) {
          return null;
        }
      }
      return new String(v, java.nio.charset.StandardCharsets.US_ASCII);
    }
    return null;
  }

  // ---------------------------------------------------------------- REDUCE, NEWOBJ, BUILD

  private void reduce() throws FormatException {
    need(2);
    Object args = pop();
    Object fn = top();
    ensureBuilt(args);
    if (!(args instanceof PyTuple tuple)) {
      throw corrupt("REDUCE arguments must be a tuple, got " + PythonKeys.typeName(args));
    }
    if (!(fn instanceof PyGlobal g)) {
      throw corrupt(
          "Trying to call reduce for unrecognized function "
              + printable(Structural.leafRepr(fn))
              + " ('"
              + PythonKeys.typeName(fn)
              + "' is not callable)");
    }
    Object result = call(g, tuple);
    stack[sp - 1] = result;
    if (Structural.isComposite(result)) {
      setDepth(result, Math.max(depthOf(tuple), depthOf(result)));
    }
  }

  private void newobj() throws FormatException {
    need(2);
    Object args = pop();
    Object cls = pop();
    ensureBuilt(args);
    ensureBuilt(cls);
    if (!(args instanceof PyTuple tuple)) {
      throw corrupt("NEWOBJ arguments must be a tuple, got " + PythonKeys.typeName(args));
    }
    if (!(cls instanceof PyGlobal g)) {
      throw corrupt(
          "Can only create new object for nn.Parameter or allowlisted classes, but got "
              + PythonKeys.typeName(cls));
    }
    Object result =
        switch (g.sym) {
          case PARAMETER, COMPLEX, SIZE, DEVICE -> call(g, tuple);
          // cls.__new__ of these ignores its arguments; __init__, which fills them, is not run.
          case ORDERED_DICT -> PyDict.ordered();
          case COUNTER -> PyDict.counter();
          case SET -> new PySet(List.of());
          case BYTEARRAY -> new PyBytes(new byte[0], true);
          case TENSOR_CLASS -> pendingTensor(g, tuple);
          default -> throw corrupt("NEWOBJ of " + g.qualifiedName() + ", which is not a class");
        };
    if (Structural.isComposite(result)) {
      setDepth(result, Math.max(depthOf(tuple), depthOf(result)));
    }
    push(charge(result, 96));
  }

  private Object pendingTensor(PyGlobal cls, PyTuple args) throws FormatException {
    if (args.size() != 0 || cls.module().endsWith("sparse")) {
      throw corrupt(
          "NEWOBJ of "
              + cls.qualifiedName()
              + " is supported only without arguments, for the legacy BUILD of a dense tensor");
    }
    pending++;
    return new PendingTensor(cls);
  }

  private void build() throws FormatException {
    need(2);
    Object state = pop();
    Object inst = top();
    ensureBuilt(state);
    if (inst instanceof PendingTensor p) {
      TensorRef t = legacyTensor(p, state);
      stack[sp - 1] = t;
      for (Long k : p.memoKeys) {
        if (memo.get(k) == p) {
          memo.put(k, t);
        }
      }
      pending--;
      return;
    }
    if (inst instanceof PyDict d && d.kind() != PyDict.Kind.DICT) {
      if (d.kind() == PyDict.Kind.COUNTER && isFalsy(state)) {
        return;
      }
      if (!(state instanceof PyDict s)) {
        throw corrupt(
            "BUILD state of an OrderedDict must be a dict, got " + PythonKeys.typeName(state));
      }
      for (PyDict.Entry e : s.rawEntries()) {
        if (!(e.key instanceof String name)) {
          throw corrupt("BUILD attribute names must be str, got " + PythonKeys.typeName(e.key));
        }
        charge(null, 64);
        d.putAttribute(name, e.value);
        nest(d, e.value);
      }
      return;
    }
    boolean allowlistedInstance =
        inst instanceof TorchSize
            || inst instanceof TorchDevice
            || inst instanceof PySet
            || inst instanceof PyComplex
            || inst instanceof PyBytes b && b.mutable();
    if (allowlistedInstance && isFalsy(state)) {
      // Instances of allowlisted builtins have no __dict__; an empty state is a no-op in torch.
      return;
    }
    if (inst instanceof TensorRef) {
      throw corrupt(
          "BUILD on an existing tensor is not supported (only the legacy NEWOBJ torch.Tensor +"
              + " BUILD form is)");
    }
    throw corrupt(
        "Can only build Tensor, Parameter, OrderedDict or allowlisted types, but got "
            + PythonKeys.typeName(inst)
            + " with a "
            + PythonKeys.typeName(state)
            + " state");
  }

  private static boolean isFalsy(Object o) {
    return o instanceof PyNone
        || Boolean.FALSE.equals(o)
        || Long.valueOf(0).equals(o)
        || o instanceof String s && s.isEmpty()
        || o instanceof PyDict d && d.isEmpty()
        || o instanceof PyTuple t && t.size() == 0
        || o instanceof PyList l && l.isEmpty()
        || o instanceof PySet s2 && s2.size() == 0
        || (o instanceof PyTuple t2 && t2.size() == 2 && isFalsy(t2.get(0)) && isFalsy(t2.get(1)));
  }

  private TensorRef legacyTensor(PendingTensor p, Object state) throws FormatException {
    PyGlobal g = p.cls;
    if (!(state instanceof PyTuple t) || t.size() != 4) {
      throw corrupt(
          "legacy BUILD of a tensor needs a (storage, offset, size, stride) state, got "
              + PythonKeys.typeName(state));
    }
    StorageRef storage = storageArg(g, t.get(0));
    // torch.Tensor() has the default dtype, float32; torch.LongTensor() has int64, and so on.
    DType dtype = g.dtype != null ? g.dtype : DType.FLOAT32;
    if (!storage.untyped() && storage.dtype() != dtype) {
      throw argFail(
          g,
          "expected a storage of type "
              + dtype
              + " or an UntypedStorage, but got "
              + storage.dtype());
    }
    return geometry(g, storage, dtype, t.get(1), t.get(2), t.get(3), false);
  }

  // ---------------------------------------------------------------- calls

  private FormatException argFail(PyGlobal g, String problem) {
    return fail(
        g.qualifiedName() + " called at offset " + in.opStart + ": " + printable(problem),
        "the pickle does not describe a valid object");
  }

  private void arity(PyGlobal g, PyTuple args, int min, int max) throws FormatException {
    if (args.size() < min || args.size() > max) {
      String expected = min == max ? String.valueOf(min) : min + " to " + max;
      throw argFail(g, "takes " + expected + " arguments, got " + args.size());
    }
  }

  /** REDUCE (and NEWOBJ where it behaves the same) of an allowlisted global. */
  private Object call(PyGlobal g, PyTuple args) throws FormatException {
    switch (g.sym) {
      case ORDERED_DICT:
        return orderedDict(g, args);
      case COUNTER:
        return counter(g, args);
      case PARAMETER:
        return parameter(g, args);
      case GET_LAYOUT:
        return layout(g, args);
      case SIZE:
        return size(g, args);
      case DEVICE:
        return device(g, args);
      case CODECS_ENCODE:
        return encode(g, args);
      case BYTEARRAY:
        return bytearray(g, args);
      case SET:
        return set(g, args);
      case COMPLEX:
        return complex(g, args);
      case REBUILD_TENSOR:
        arity(g, args, 4, 4);
        return tensor(g, args, storageArg(g, args.get(0)).dtype(), false, null);
      case REBUILD_TENSOR_V2:
        arity(g, args, 6, 7);
        return tensor(
            g,
            args,
            storageArg(g, args.get(0)).dtype(),
            true,
            args.size() == 7 ? args.get(6) : null);
      case REBUILD_TENSOR_V3:
        arity(g, args, 7, 8);
        return tensor(
            g, args, dtypeArg(g, args.get(6)), true, args.size() == 8 ? args.get(7) : null);
      case REBUILD_PARAMETER:
        arity(g, args, 3, 3);
        return rebuildParameter(g, args.get(0), args.get(1), args.get(2), PyNone.NONE);
      case REBUILD_PARAMETER_WITH_STATE:
        arity(g, args, 4, 4);
        return rebuildParameter(g, args.get(0), args.get(1), args.get(2), args.get(3));
      case REBUILD_QTENSOR:
        return qtensor(g, args);
      case REBUILD_SPARSE_TENSOR:
        return sparse(g, args);
      case REBUILD_META_TENSOR_NO_STORAGE:
        return meta(g, args);
      case REBUILD_DEVICE_TENSOR_FROM_CPU_TENSOR:
        return deviceTensor(g, args);
      case REBUILD_FROM_TYPE_V2:
        return fromType(g, args);
      case REBUILD_WRAPPER_SUBCLASS:
      case REBUILD_DEVICE_TENSOR_FROM_NUMPY:
        throw fail(
            g.qualifiedName() + " at offset " + in.opStart + " is not supported",
            "tensor subclasses without data and numpy-backed device tensors cannot be read");
      case TENSOR_CLASS:
        throw fail(
            "calling " + g.qualifiedName() + " at offset " + in.opStart + " is not supported",
            "only tensors rebuilt from storages can be read");
      default:
        throw corrupt("Trying to call reduce for " + g.qualifiedName() + ", which is not callable");
    }
  }

  private PyDict orderedDict(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 0, 1);
    PyDict d = PyDict.ordered();
    if (args.size() == 1) {
      Object src = args.get(0);
      if (src instanceof PyDict from) {
        for (PyDict.Entry e : from.rawEntries()) {
          put(d, e.key, e.value);
        }
      } else if (src instanceof PyList || src instanceof PyTuple) {
        for (Object pair : items(src)) {
          List<Object> kv = pair instanceof PyTuple || pair instanceof PyList ? items(pair) : null;
          if (kv == null || kv.size() != 2) {
            throw argFail(g, "items must be (key, value) pairs, got " + PythonKeys.typeName(pair));
          }
          put(d, kv.get(0), kv.get(1));
        }
      } else {
        throw argFail(g, "expects a dict or a list of pairs, got " + PythonKeys.typeName(src));
      }
    }
    return d;
  }

  private PyDict counter(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 0, 1);
    PyDict d = PyDict.counter();
    if (args.size() == 1) {
      Object src = args.get(0);
      if (src instanceof PyDict from) {
        for (PyDict.Entry e : from.rawEntries()) {
          put(d, e.key, e.value);
        }
      } else if (src instanceof PyList || src instanceof PyTuple) {
        for (Object item : items(src)) {
          Object n = d.get(item);
          if (n != null && !(n instanceof Long)) {
            throw argFail(g, "cannot count items on top of a non-int value");
          }
          put(d, item, n == null ? 1L : Math.addExact((Long) n, 1L));
        }
      } else {
        throw argFail(g, "expects a dict or a list, got " + PythonKeys.typeName(src));
      }
    }
    return d;
  }

  private static List<Object> items(Object o) {
    return o instanceof PyTuple t ? t.items() : (PyList) o;
  }

  private TorchLayout layout(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 1, 1);
    if (!(args.get(0) instanceof String name) || !TorchLayout.NAMES.contains(name)) {
      throw argFail(g, "unknown layout " + Structural.leafRepr(args.get(0)));
    }
    return new TorchLayout(name);
  }

  private TorchSize size(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 0, 1);
    if (args.size() == 0) {
      return new TorchSize(new long[0]);
    }
    Object src = args.get(0);
    if (src instanceof TorchSize s) {
      return s;
    }
    if (!(src instanceof PyTuple || src instanceof PyList)) {
      throw argFail(g, "expects a sequence of ints, got " + PythonKeys.typeName(src));
    }
    List<Object> items = items(src);
    long[] dims = new long[items.size()];
    for (int i = 0; i < dims.length; i++) {
      if (!(items.get(i) instanceof Long d)) {
        throw argFail(
            g, "dimension " + i + " must be an int, got " + Structural.leafRepr(items.get(i)));
      }
      dims[i] = d;
    }
    return charge(new TorchSize(dims), 32 + 8L * dims.length);
  }

  private TorchDevice device(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 1, 2);
    if (!(args.get(0) instanceof String type)) {
      throw argFail(g, "device must be a str, got " + PythonKeys.typeName(args.get(0)));
    }
    try {
      if (args.size() == 1 || args.get(1) instanceof PyNone) {
        return new TorchDevice(type);
      }
      if (!(args.get(1) instanceof Long index) || type.indexOf(':') >= 0) {
        throw argFail(g, "expects (type, index) with an int index and no index in the type");
      }
      return TorchDevice.of(type, index);
    } catch (IllegalArgumentException e) {
      throw argFail(g, e.getMessage());
    }
  }

  private PyBytes encode(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 2, 2);
    if (!(args.get(0) instanceof String s)
        || !("latin1".equals(args.get(1)) || "latin-1".equals(args.get(1)))) {
      throw argFail(g, "only (str, 'latin1') is allowed, as pickle writes bytes");
    }
    byte[] out = new byte[s.length()];
    for (int i = 0; i < out.length; i++) {
      char c = s.charAt(i);
      if (c > 0xFF) {
        throw argFail(g, "'latin-1' codec can't encode character at position " + i);
      }
      out[i] = (byte) c;
    }
    return charge(new PyBytes(out, false), 48 + 2L * out.length);
  }

  private PyBytes bytearray(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 0, 1);
    if (args.size() == 0) {
      return new PyBytes(new byte[0], true);
    }
    if (!(args.get(0) instanceof PyBytes b) || b.mutable()) {
      throw argFail(g, "expects bytes, got " + PythonKeys.typeName(args.get(0)));
    }
    return charge(new PyBytes(b.value(), true), 48 + 2L * b.length());
  }

  private PySet set(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 0, 1);
    if (args.size() == 0) {
      return new PySet(List.of());
    }
    Object src = args.get(0);
    List<Object> items;
    if (src instanceof PyList || src instanceof PyTuple) {
      items = items(src);
    } else if (src instanceof PySet s) {
      items = s.items();
    } else {
      throw argFail(g, "expects a list, tuple or set, got " + PythonKeys.typeName(src));
    }
    LinkedHashMap<Object, Object> distinct = new LinkedHashMap<>();
    for (Object item : items) {
      Object k = PythonKeys.normalize(item);
      if (k == null) {
        throw argFail(g, "unhashable type: '" + PythonKeys.typeName(item) + "'");
      }
      distinct.putIfAbsent(k, item);
    }
    return charge(new PySet(new ArrayList<>(distinct.values())), 32 + 48L * distinct.size());
  }

  private PyComplex complex(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 0, 2);
    double re = args.size() > 0 ? number(g, args.get(0)) : 0.0;
    double im = args.size() > 1 ? number(g, args.get(1)) : 0.0;
    return new PyComplex(re, im);
  }

  private double number(PyGlobal g, Object o) throws FormatException {
    if (o instanceof Double d) {
      return d;
    }
    if (o instanceof Long l) {
      return l;
    }
    if (o instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (o instanceof BigInteger big && Double.isFinite(big.doubleValue())) {
      return big.doubleValue();
    }
    throw argFail(g, "expects a real number, got " + PythonKeys.typeName(o));
  }

  // ---------------------------------------------------------------- tensor arguments

  private StorageRef storageArg(PyGlobal g, Object o) throws FormatException {
    if (!(o instanceof StorageRef s)) {
      throw argFail(g, "storage must be a persistent storage, got " + PythonKeys.typeName(o));
    }
    return s;
  }

  private DType dtypeArg(PyGlobal g, Object o) throws FormatException {
    if (!(o instanceof DType d)) {
      throw argFail(g, "dtype must be a torch dtype, got " + PythonKeys.typeName(o));
    }
    return d;
  }

  private boolean boolArg(PyGlobal g, String what, Object o) throws FormatException {
    if (!(o instanceof Boolean b)) {
      throw argFail(g, what + " must be a bool, got " + PythonKeys.typeName(o));
    }
    return b;
  }

  private TensorRef tensorArg(PyGlobal g, String what, Object o) throws FormatException {
    if (!(o instanceof TensorRef t)) {
      throw argFail(g, what + " must be a dense tensor, got " + PythonKeys.typeName(o));
    }
    return t;
  }

  private long[] dims(PyGlobal g, String what, Object o) throws FormatException {
    List<Object> items;
    if (o instanceof PyTuple t) {
      items = t.items();
    } else if (o instanceof TorchSize s) {
      items = new ArrayList<>();
      for (long d : s.dims()) {
        items.add(d);
      }
    } else {
      throw argFail(g, what + " must be a tuple of ints, got " + PythonKeys.typeName(o));
    }
    long[] out = new long[items.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(items.get(i) instanceof Long v)) {
        throw argFail(
            g, what + "[" + i + "] must be an int, got " + Structural.leafRepr(items.get(i)));
      }
      if (v < 0) {
        throw argFail(g, what + "[" + i + "] is negative: " + v);
      }
      out[i] = v;
    }
    return out;
  }

  private void hooks(PyGlobal g, Object o) throws FormatException {
    if (!(o instanceof PyDict || o instanceof PyNone)) {
      throw argFail(g, "backward_hooks must be a dict, got " + PythonKeys.typeName(o));
    }
  }

  private void checkGrad(PyGlobal g, DType dtype, boolean requiresGrad) throws FormatException {
    if (requiresGrad && !dtype.isFloatingPoint()) {
      throw argFail(
          g,
          "only tensors of floating point and complex dtype can require gradients, got " + dtype);
    }
  }

  private TensorRef geometry(
      PyGlobal g,
      StorageRef storage,
      DType dtype,
      Object offset,
      Object size,
      Object stride,
      boolean requiresGrad)
      throws FormatException {
    if (!(offset instanceof Long off)) {
      throw argFail(g, "storage_offset must be an int, got " + Structural.leafRepr(offset));
    }
    if (off < 0) {
      throw argFail(g, "storage_offset is negative: " + off);
    }
    long[] sz = dims(g, "size", size);
    long[] st = dims(g, "stride", stride);
    if (sz.length != st.length) {
      throw argFail(
          g, "mismatch in length of strides and shape: " + st.length + " vs " + sz.length);
    }
    checkGrad(g, dtype, requiresGrad);
    return charge(
        new TensorRef(
            storage, dtype, off, sz, st, requiresGrad, false, false, false, null, Map.of()),
        160 + 16L * sz.length);
  }

  /** _rebuild_tensor (4 args) or _rebuild_tensor_v2/v3 (requires_grad and hooks at 4 and 5). */
  private TensorRef tensor(PyGlobal g, PyTuple args, DType dtype, boolean v2, Object metadata)
      throws FormatException {
    StorageRef storage = storageArg(g, args.get(0));
    boolean requiresGrad = false;
    if (v2) {
      requiresGrad = boolArg(g, "requires_grad", args.get(4));
      hooks(g, args.get(5));
    }
    TensorRef t = geometry(g, storage, dtype, args.get(1), args.get(2), args.get(3), requiresGrad);
    if (metadata == null || metadata instanceof PyNone) {
      return t;
    }
    if (!(metadata instanceof PyDict m)) {
      throw argFail(g, "metadata must be a dict, got " + PythonKeys.typeName(metadata));
    }
    boolean conj = false;
    boolean neg = false;
    for (PyDict.Entry e : m.rawEntries()) {
      boolean on = boolArg(g, "metadata value", e.value);
      if ("conj".equals(e.key)) {
        conj = on;
      } else if ("neg".equals(e.key)) {
        neg = on;
      } else {
        throw argFail(g, "unexpected metadata key " + Structural.leafRepr(e.key));
      }
    }
    return t.withConjNeg(conj, neg);
  }

  private TensorRef rebuildParameter(
      PyGlobal g, Object data, Object requiresGrad, Object hooks, Object state)
      throws FormatException {
    TensorRef t = tensorArg(g, "data", data);
    boolean rg = boolArg(g, "requires_grad", requiresGrad);
    hooks(g, hooks);
    checkGrad(g, t.dtype(), rg);
    return t.withParameter(true, rg).withAttributes(objState(g, state));
  }

  private TensorRef parameter(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 1, 2);
    TensorRef t = tensorArg(g, "data", args.get(0));
    boolean rg = args.size() < 2 || boolArg(g, "requires_grad", args.get(1));
    checkGrad(g, t.dtype(), rg);
    return t.withParameter(true, rg).withAttributes(Map.of());
  }

  /** torch._utils._set_obj_state: a dict, a (dict, slots) pair or None, as attributes. */
  private Map<String, Object> objState(PyGlobal g, Object state) throws FormatException {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Object> parts;
    if (state instanceof PyTuple t) {
      if (t.size() != 2) {
        throw argFail(g, "Invalid serialized state: a tuple of " + t.size() + " items");
      }
      parts = t.items();
    } else {
      parts = List.of(state);
    }
    for (Object part : parts) {
      if (part instanceof PyNone) {
        continue;
      }
      if (!(part instanceof PyDict d)) {
        throw argFail(g, "state must be a dict, got " + PythonKeys.typeName(part));
      }
      for (PyDict.Entry e : d.rawEntries()) {
        if (!(e.key instanceof String name)) {
          throw argFail(g, "attribute names must be str, got " + PythonKeys.typeName(e.key));
        }
        if (TENSOR_PROPERTIES.contains(name) || name.startsWith("__")) {
          throw argFail(
              g,
              "tensor attribute '"
                  + name
                  + "' cannot be set from a file (it would change the"
                  + " tensor itself)");
        }
        out.put(name, e.value);
      }
    }
    return out;
  }

  private TensorRef qtensor(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 7, 7);
    StorageRef storage = storageArg(g, args.get(0));
    if (storage.dtype().kind() != DType.Kind.QUANTIZED) {
      throw argFail(g, "storage must hold a quantized dtype, got " + storage.dtype());
    }
    boolean rg = boolArg(g, "requires_grad", args.get(5));
    hooks(g, args.get(6));
    TensorRef t = geometry(g, storage, storage.dtype(), args.get(1), args.get(2), args.get(3), rg);
    if (!(args.get(4) instanceof PyTuple q) || q.size() == 0 || !(q.get(0) instanceof QScheme s)) {
      throw argFail(g, "quantizer_params must be a (qscheme, ...) tuple");
    }
    QuantParams params;
    if (s == QScheme.PER_TENSOR_AFFINE) {
      if (q.size() != 3 || !(q.get(2) instanceof Long zeroPoint)) {
        throw argFail(g, "per_tensor_affine needs (qscheme, scale, zero_point)");
      }
      params = QuantParams.perTensor(number(g, q.get(1)), zeroPoint);
    } else if (s == QScheme.PER_CHANNEL_AFFINE || s == QScheme.PER_CHANNEL_AFFINE_FLOAT_QPARAMS) {
      if (q.size() != 4 || !(q.get(3) instanceof Long axis)) {
        throw argFail(g, s.torchName() + " needs (qscheme, scales, zero_points, axis)");
      }
      TensorRef scales = tensorArg(g, "scales", q.get(1));
      TensorRef zeroPoints = tensorArg(g, "zero_points", q.get(2));
      long[] size = t.size();
      if (axis < 0 || axis >= size.length) {
        throw argFail(g, "per_channel axis " + axis + " out of range for " + size.length + " dims");
      }
      if (scales.numel() != size[axis.intValue()] || zeroPoints.numel() != size[axis.intValue()]) {
        throw argFail(
            g,
            "per_channel scales/zero_points length must equal size[axis]=" + size[axis.intValue()]);
      }
      params = QuantParams.perChannel(s, scales, zeroPoints, axis);
    } else {
      throw argFail(g, "Can't deserialize quantized tensor with qscheme " + s);
    }
    return t.withQuant(params);
  }

  private SparseTensorRef sparse(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 2, 2);
    if (!(args.get(0) instanceof TorchLayout layout)) {
      throw argFail(g, "layout must be a torch layout, got " + PythonKeys.typeName(args.get(0)));
    }
    if (!(args.get(1) instanceof PyTuple data)) {
      throw argFail(g, "data must be a tuple, got " + PythonKeys.typeName(args.get(1)));
    }
    if (layout.equals(TorchLayout.SPARSE_COO)) {
      if (data.size() != 3 && data.size() != 4) {
        throw argFail(g, "sparse_coo data is (indices, values, size[, is_coalesced])");
      }
      tensorArg(g, "indices", data.get(0));
      tensorArg(g, "values", data.get(1));
      dims(g, "size", data.get(2));
      if (data.size() == 4 && !(data.get(3) instanceof Boolean || data.get(3) instanceof PyNone)) {
        throw argFail(g, "is_coalesced must be a bool or None");
      }
    } else if (layout.isCompressed()) {
      if (data.size() != 4) {
        throw argFail(g, layout + " data is (compressed_indices, plain_indices, values, size)");
      }
      tensorArg(g, "compressed_indices", data.get(0));
      tensorArg(g, "plain_indices", data.get(1));
      tensorArg(g, "values", data.get(2));
      dims(g, "size", data.get(3));
    } else {
      throw argFail(g, "rebuilding sparse tensor for layout " + layout + " is not supported");
    }
    return charge(new SparseTensorRef(layout, data.items()), 64);
  }

  private TensorRef meta(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 4, 4);
    DType dtype = dtypeArg(g, args.get(0));
    long[] size = dims(g, "size", args.get(1));
    long[] stride = dims(g, "stride", args.get(2));
    if (size.length != stride.length) {
      throw argFail(g, "mismatch in length of strides and shape");
    }
    boolean rg = boolArg(g, "requires_grad", args.get(3));
    checkGrad(g, dtype, rg);
    return charge(
        new TensorRef(null, dtype, 0, size, stride, rg, false, false, false, null, Map.of()), 160);
  }

  private TensorRef deviceTensor(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 4, 4);
    TensorRef t = tensorArg(g, "data", args.get(0));
    DType dtype = dtypeArg(g, args.get(1));
    if (!(args.get(2) instanceof String)) {
      throw argFail(g, "device must be a str, got " + PythonKeys.typeName(args.get(2)));
    }
    boolean rg = boolArg(g, "requires_grad", args.get(3));
    if (dtype != t.dtype()) {
      throw argFail(g, "converting " + t.dtype() + " to " + dtype + " is not supported");
    }
    checkGrad(g, dtype, rg);
    return t.withParameter(t.parameter(), rg);
  }

  private static final Set<Sym> TENSOR_FUNCS =
      new HashSet<>(
          List.of(
              Sym.REBUILD_TENSOR,
              Sym.REBUILD_TENSOR_V2,
              Sym.REBUILD_TENSOR_V3,
              Sym.REBUILD_PARAMETER,
              Sym.REBUILD_PARAMETER_WITH_STATE,
              Sym.REBUILD_QTENSOR,
              Sym.REBUILD_SPARSE_TENSOR,
              Sym.REBUILD_META_TENSOR_NO_STORAGE,
              Sym.REBUILD_DEVICE_TENSOR_FROM_CPU_TENSOR));

  private Object fromType(PyGlobal g, PyTuple args) throws FormatException {
    arity(g, args, 4, 4);
    if (!(args.get(0) instanceof PyGlobal func) || !TENSOR_FUNCS.contains(func.sym)) {
      throw argFail(
          g, "func must be a tensor rebuild function, got " + Structural.leafRepr(args.get(0)));
    }
    Object type = args.get(1);
    boolean toParameter;
    if (type instanceof PyGlobal t && t.sym == Sym.PARAMETER) {
      toParameter = true;
    } else if (type instanceof PyGlobal t && t.qualifiedName().equals("torch.Tensor")) {
      toParameter = false;
    } else {
      throw argFail(
          g, "new_type must be torch.Tensor or Parameter, got " + Structural.leafRepr(type));
    }
    if (!(args.get(2) instanceof PyTuple inner)) {
      throw argFail(g, "args must be a tuple, got " + PythonKeys.typeName(args.get(2)));
    }
    Object built = call(func, inner);
    Map<String, Object> state = objState(g, args.get(3));
    if (built instanceof SparseTensorRef s) {
      if (toParameter || !state.isEmpty()) {
        throw argFail(g, "a sparse tensor cannot become a Parameter or carry attributes here");
      }
      return s;
    }
    TensorRef t = (TensorRef) built;
    Map<String, Object> attrs = new LinkedHashMap<>(t.attributes());
    attrs.putAll(state);
    return t.withParameter(toParameter, t.requiresGrad()).withAttributes(attrs);
  }
}
