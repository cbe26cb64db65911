package io.modelstash.format.pickle;

import static io.modelstash.format.pickle.Opcodes.*;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the object model as a protocol-2 pickle, opcode for opcode as CPython's {@code _pickle}
 * would write the same Python objects under {@code torch.save}: the same integer encodings, tuple,
 * list and dict opcodes and batch sizes, REDUCE forms for Python 3 types and torch objects, and the
 * same memo indices (BINPUT after every memoisable object, BINGET for repeats). A state dict read
 * by {@link WeightsOnlyUnpickler} from a {@code torch.save} file is written back byte for byte.
 *
 * <p>Memo identity follows Python's: containers, tensors and strings are shared when they are the
 * same Java object (as the unpickler returns them for BINGET); the strings torch itself shares
 * ({@code 'storage'}, {@code 'cpu'}, each storage key) and globals are shared by value. Output
 * always loads with {@code torch.load(weights_only=True)}; with {@link Compat#TORCH_1_13} anything
 * PyTorch 1.13 refuses is rejected up front with a {@link FormatException}. The one deliberate
 * difference from CPython: empty {@code bytes} are written as {@code _codecs.encode('', 'latin1')}
 * because CPython's {@code builtins.bytes()} is not on torch's allowlist. Writing is iterative, so
 * deep trees are fine; a tuple that contains itself is refused.
 */
public final class PickleWriter {
  /** Which {@code torch.load(weights_only=True)} must accept the output. */
  public enum Compat {
    /** PyTorch 1.13: no floats, no v3 tensors, no devices, sets, bytes, complex or Counter. */
    TORCH_1_13,
    /** The newest PyTorch. */
    CURRENT
  }

  private static final int BATCH = 1000;

  /** One unit of pending work: emit some opcodes. */
  @FunctionalInterface
  private interface Step {
    void run() throws IOException;
  }

  /** One unit of pending work: save a value. */
  private record Save(Object value) {}

  private final Compat compat;
  private final OutputStream out;
  private final byte[] buf = new byte[1 << 16];
  private int len;
  private final ArrayDeque<Object> work = new ArrayDeque<>();
  private final IdentityHashMap<Object, Integer> byId = new IdentityHashMap<>();
  private final HashMap<String, Integer> byValue = new HashMap<>();
  private final IdentityHashMap<Object, Boolean> tuplesInProgress = new IdentityHashMap<>();
  private long nextMemo;

  private PickleWriter(Compat compat, OutputStream out) {
    this.compat = compat;
    this.out = out;
  }

  /** The pickle bytes of {@code root}. */
  public static byte[] write(Object root, Compat compat) throws FormatException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(root, compat, bytes);
    } catch (FormatException e) {
      throw e;
    } catch (IOException e) {
      throw new IllegalStateException("in-memory stream failed", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Streams the pickle of {@code root} to {@code out} (not closed). On a {@link FormatException}
   * part of the pickle may already have been written.
   */
  public static void write(Object root, Compat compat, OutputStream out) throws IOException {
    Objects.requireNonNull(compat, "compat");
    Objects.requireNonNull(out, "out");
    PickleWriter w = new PickleWriter(compat, out);
    w.op(PROTO);
    w.u8(2);
    w.work.push(new Save(root));
    while (!w.work.isEmpty()) {
      Object next = w.work.pop();
      if (next instanceof Save s) {
        w.save(s.value());
      } else {
        ((Step) next).run();
      }
    }
    w.op(STOP);
    w.flush();
  }

  // ---------------------------------------------------------------- bytes

  private void flush() throws IOException {
    out.write(buf, 0, len);
    len = 0;
  }

  private void u8(int b) throws IOException {
    if (len == buf.length) {
      flush();
    }
    buf[len++] = (byte) b;
  }

  private void op(int opcode) throws IOException {
    u8(opcode);
  }

  private void le(long v, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      u8((int) (v >>> (8 * i)));
    }
  }

  private void bytes(byte[] b) throws IOException {
    if (b.length > buf.length - len) {
      flush();
      out.write(b);
    } else {
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }
  }

  private static FormatException refuse(String what, String hint) {
    return new FormatException("Cannot write pickle: " + what + " (" + hint + ")");
  }

  private void require113(boolean ok, String what) throws FormatException {
    if (!ok && compat == Compat.TORCH_1_13) {
      throw refuse(
          what + " cannot be loaded by PyTorch 1.13 with weights_only=True",
          "use Compat.CURRENT, or convert the value first");
    }
  }

  // ---------------------------------------------------------------- memo

  private void put(long index) throws IOException {
    if (index < 256) {
      op(BINPUT);
      u8((int) index);
    } else {
      op(LONG_BINPUT);
      le(index, 4);
    }
  }

  private void get(long index) throws IOException {
    if (index < 256) {
      op(BINGET);
      u8((int) index);
    } else {
      op(LONG_BINGET);
      le(index, 4);
    }
  }

  /** BINPUT for an object no one can refer to again (a temporary of the reduce protocol). */
  private void memoizeFresh() throws IOException {
    put(nextMemo++);
  }

  private void memoize(Object o) throws IOException {
    byId.put(o, (int) nextMemo);
    put(nextMemo++);
  }

  /** Emits a BINGET and returns true if {@code o} was already written. */
  private boolean memoHit(Object o) throws IOException {
    Integer index = byId.get(o);
    if (index == null) {
      return false;
    }
    get(index);
    return true;
  }

  /** A string or global shared by value, as torch's interned constants are. */
  private void shared(String memoKey, Step emit) throws IOException {
    Integer index = byValue.get(memoKey);
    if (index != null) {
      get(index);
      return;
    }
    emit.run();
    byValue.put(memoKey, (int) nextMemo);
    put(nextMemo++);
  }

  private void sharedString(String s) throws IOException {
    shared("str:" + s, () -> unicode(s));
  }

  private void global(String module, String name) throws IOException {
    shared(
        "global:" + module + "\n" + name,
        () -> {
          op(GLOBAL);
          bytes(Utf8.encode(module + "\n" + name + "\n"));
        });
  }

  private void unicode(String s) throws IOException {
    byte[] b = Utf8.encode(s);
    op(BINUNICODE);
    le(b.length, 4);
    bytes(b);
  }

  /** Schedules steps to run in the given order, before anything already pending. */
  private void schedule(List<Object> steps) {
    for (int i = steps.size() - 1; i >= 0; i--) {
      work.push(steps.get(i));
    }
  }

  // ---------------------------------------------------------------- values

  private void save(Object o) throws IOException {
    if (o == null) {
      throw refuse("Java null is not a Python value", "use PyNone.NONE for None");
    }
    if (o instanceof PyNone) {
      op(NONE);
    } else if (o instanceof Boolean b) {
      op(b ? NEWTRUE : NEWFALSE);
    } else if (o instanceof Long
        || o instanceof Integer
        || o instanceof Short
        || o instanceof Byte) {
      saveInt(((Number) o).longValue());
    } else if (o instanceof BigInteger big) {
      saveBig(big);
    } else if (o instanceof Double || o instanceof Float) {
      saveFloat(((Number) o).doubleValue());
    } else if (o instanceof DType t) {
      require113(Allowlist.DTYPES_1_13.contains(t), "the dtype global torch." + t.torchName());
      global("torch", t.torchName());
    } else if (o instanceof QScheme q) {
      require113(false, "the qscheme torch." + q.torchName());
      global("torch", q.torchName());
    } else if (o instanceof PyGlobal g) {
      saveGlobal(g);
    } else if (o instanceof StorageRef s) {
      persistentId(s);
    } else if (!memoHit(o)) {
      saveMemoisable(o);
    }
  }

  private void saveMemoisable(Object o) throws IOException {
    if (o instanceof String s) {
      unicode(s);
      memoize(s);
    } else if (o instanceof PyTuple t) {
      saveTuple(t);
    } else if (o instanceof PyList l) {
      op(EMPTY_LIST);
      memoize(l);
      List<Object> steps = new ArrayList<>();
      appendBatches(steps, l);
      schedule(steps);
    } else if (o instanceof PyDict d) {
      saveDict(d);
    } else if (o instanceof PySet s) {
      require113(false, "a set");
      setOf(s);
    } else if (o instanceof PyBytes b) {
      saveBytes(b);
    } else if (o instanceof PyComplex c) {
      require113(false, "a complex number");
      global("__builtin__", "complex");
      saveFloat(c.re());
      saveFloat(c.im());
      op(TUPLE2);
      memoizeFresh();
      op(REDUCE);
      memoize(c);
    } else if (o instanceof TorchSize s) {
      global("torch", "Size");
      freshInts(s.dims());
      op(TUPLE1);
      memoizeFresh();
      op(REDUCE);
      memoize(s);
    } else if (o instanceof TorchDevice d) {
      require113(false, "a torch.device");
      global("torch", "device");
      unicode(d.type());
      memoizeFresh();
      if (d.index() >= 0) {
        saveInt(d.index());
        op(TUPLE2);
      } else {
        op(TUPLE1);
      }
      memoizeFresh();
      op(REDUCE);
      memoize(d);
    } else if (o instanceof TorchLayout l) {
      global("torch.serialization", "_get_layout");
      unicode(l.name());
      memoizeFresh();
      op(TUPLE1);
      memoizeFresh();
      op(REDUCE);
      memoize(l);
    } else if (o instanceof TensorRef t) {
      saveTensor(t);
    } else if (o instanceof SparseTensorRef s) {
      saveSparse(s);
    } else {
      throw refuse(
          "a " + o.getClass().getName() + " is not part of the pickle object model",
          "use the types of io.modelstash.format.pickle, String, Long, Double or Boolean");
    }
  }

  private void saveInt(long v) throws IOException {
    if (v >= 0 && v < 0x100) {
      op(BININT1);
      u8((int) v);
    } else if (v >= 0 && v < 0x10000) {
      op(BININT2);
      le(v, 2);
    } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
      op(BININT);
      le(v, 4);
    } else {
      saveBig(BigInteger.valueOf(v));
    }
  }

  private void saveBig(BigInteger v) throws IOException {
    if (v.bitLength() < 64) {
      long l = v.longValue();
      if (l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
        saveInt(l);
        return;
      }
    }
    byte[] be = v.toByteArray();
    if (be.length > 255) {
      throw refuse(
          "an int of " + be.length + " bytes needs LONG4",
          "torch's weights_only loader refuses it");
    }
    op(LONG1);
    u8(be.length);
    for (int i = be.length - 1; i >= 0; i--) {
      u8(be[i]);
    }
  }

  private void saveFloat(double d) throws IOException {
    require113(false, "a Python float (BINFLOAT)");
    op(BINFLOAT);
    long bits = Double.doubleToRawLongBits(d);
    for (int i = 7; i >= 0; i--) {
      u8((int) (bits >>> (8 * i)));
    }
  }

  private void saveGlobal(PyGlobal g) throws IOException {
    require113(Allowlist.GLOBALS_1_13.contains(g.qualifiedName()), "the global " + g);
    // Protocol 2 writes Python 3 builtins under their Python 2 module name.
    global(g.module().equals("builtins") ? "__builtin__" : g.module(), g.name());
  }

  private void saveTuple(PyTuple t) throws IOException {
    int n = t.size();
    if (n == 0) {
      op(EMPTY_TUPLE);
      return;
    }
    if (tuplesInProgress.containsKey(t)) {
      throw refuse(
          "a tuple that contains itself (through a list or dict)",
          "weights_only pickles cannot express it");
    }
    tuplesInProgress.put(t, Boolean.TRUE);
    List<Object> steps = new ArrayList<>(n + 2);
    if (n > 3) {
      steps.add((Step) () -> op(MARK));
    }
    for (Object item : t.items()) {
      steps.add(new Save(item));
    }
    steps.add(
        (Step)
            () -> {
              tuplesInProgress.remove(t);
              op(n == 1 ? TUPLE1 : n == 2 ? TUPLE2 : n == 3 ? TUPLE3 : TUPLE);
              memoize(t);
            });
    schedule(steps);
  }

  /** A tuple that is a temporary of the reduce protocol: written, memoised, never shared. */
  private void freshTuple(List<Object> steps, List<Object> items) {
    int n = items.size();
    if (n == 0) {
      steps.add((Step) () -> op(EMPTY_TUPLE));
      return;
    }
    if (n > 3) {
      steps.add((Step) () -> op(MARK));
    }
    for (Object item : items) {
      steps.add(new Save(item));
    }
    steps.add(
        (Step)
            () -> {
              op(n == 1 ? TUPLE1 : n == 2 ? TUPLE2 : n == 3 ? TUPLE3 : TUPLE);
              memoizeFresh();
            });
  }

  private void freshInts(long[] values) throws IOException {
    int n = values.length;
    if (n == 0) {
      op(EMPTY_TUPLE);
      return;
    }
    if (n > 3) {
      op(MARK);
    }
    for (long v : values) {
      saveInt(v);
    }
    op(n == 1 ? TUPLE1 : n == 2 ? TUPLE2 : n == 3 ? TUPLE3 : TUPLE);
    memoizeFresh();
  }

  /** CPython's batch_list_exact: one item uses APPEND, otherwise MARK…APPENDS per 1000. */
  private void appendBatches(List<Object> steps, List<Object> items) {
    int n = items.size();
    if (n == 1) {
      steps.add(new Save(items.get(0)));
      steps.add((Step) () -> op(APPEND));
      return;
    }
    for (int i = 0; i < n; i += BATCH) {
      steps.add((Step) () -> op(MARK));
      for (int j = i; j < Math.min(n, i + BATCH); j++) {
        steps.add(new Save(items.get(j)));
      }
      steps.add((Step) () -> op(APPENDS));
    }
  }

  /**
   * SETITEM(S) batches: CPython's batch_dict_exact for a plain dict (one pair uses SETITEM, every
   * batch otherwise MARK…SETITEMS) or batch_dict for the dict items of a reduce (any batch of one
   * pair uses SETITEM).
   */
  private void setitemBatches(List<Object> steps, List<Object[]> pairs, boolean exact) {
    int n = pairs.size();
    for (int i = 0; i < n; i += BATCH) {
      int end = Math.min(n, i + BATCH);
      boolean single = exact ? n == 1 : end - i == 1;
      if (!single) {
        steps.add((Step) () -> op(MARK));
      }
      for (int j = i; j < end; j++) {
        steps.add(new Save(pairs.get(j)[0]));
        steps.add(new Save(pairs.get(j)[1]));
      }
      steps.add((Step) () -> op(single ? SETITEM : SETITEMS));
    }
  }

  private static List<Object[]> pairs(PyDict d) {
    List<Object[]> out = new ArrayList<>(d.size());
    for (PyDict.Entry e : d.rawEntries()) {
      out.add(new Object[] {e.key, e.value});
    }
    return out;
  }

  private void saveDict(PyDict d) throws IOException {
    List<Object> steps = new ArrayList<>();
    switch (d.kind()) {
      case DICT -> {
        if (!d.attributes().isEmpty()) {
          throw refuse(
              "a plain dict with attributes " + d.attributes().keySet(),
              "only OrderedDict and Counter carry attributes");
        }
        op(EMPTY_DICT);
        memoize(d);
        setitemBatches(steps, pairs(d), true);
      }
      case ORDERED_DICT -> {
        global("collections", "OrderedDict");
        op(EMPTY_TUPLE);
        op(REDUCE);
        memoize(d);
        setitemBatches(steps, pairs(d), false);
      }
      case COUNTER -> {
        require113(false, "a collections.Counter");
        global("collections", "Counter");
        // Counter.__reduce__ is (Counter, (dict(self),)).
        PyDict copy = PyDict.dict();
        for (PyDict.Entry e : d.rawEntries()) {
          copy.put(e.key, e.value);
        }
        steps.add(new Save(copy));
        steps.add(
            (Step)
                () -> {
                  op(TUPLE1);
                  memoizeFresh();
                  op(REDUCE);
                  memoize(d);
                });
      }
    }
    if (!d.attributes().isEmpty()) {
      PyDict state = PyDict.dict();
      d.attributes().forEach(state::put);
      steps.add(new Save(state));
      steps.add((Step) () -> op(BUILD));
    }
    schedule(steps);
  }

  /** set.__reduce__: GLOBAL set, then ([items],) with a fresh list, REDUCE. */
  private void setOf(PySet s) throws IOException {
    global("__builtin__", "set");
    op(EMPTY_LIST);
    memoizeFresh();
    List<Object> steps = new ArrayList<>();
    if (s.size() > 0) {
      appendBatches(steps, s.items());
    }
    steps.add(
        (Step)
            () -> {
              op(TUPLE1);
              memoizeFresh();
              op(REDUCE);
              memoize(s);
            });
    schedule(steps);
  }

  private void saveBytes(PyBytes b) throws IOException {
    require113(false, b.mutable() ? "a bytearray" : "bytes");
    if (b.mutable()) {
      global("__builtin__", "bytearray");
      if (b.length() == 0) {
        op(EMPTY_TUPLE);
      } else {
        latin1Bytes(b.value());
        memoizeFresh();
        op(TUPLE1);
        memoizeFresh();
      }
      op(REDUCE);
      memoize(b);
    } else {
      latin1Bytes(b.value());
      memoize(b);
    }
  }

  /** {@code _codecs.encode(latin1_text, 'latin1')} + REDUCE, without the final BINPUT. */
  private void latin1Bytes(byte[] value) throws IOException {
    global("_codecs", "encode");
    char[] text = new char[value.length];
    for (int i = 0; i < value.length; i++) {
      text[i] = (char) (value[i] & 0xFF);
    }
    unicode(new String(text));
    memoizeFresh();
    sharedString("latin1");
    op(TUPLE2);
    memoizeFresh();
    op(REDUCE);
  }

  // ---------------------------------------------------------------- torch

  private void persistentId(StorageRef s) throws IOException {
    if (s.view() != null) {
      throw refuse(
          "storage '" + s.key() + "' is a legacy view of another storage",
          "zip-format pickles name whole storages; copy the view into its own storage first");
    }
    op(MARK);
    sharedString("storage");
    if (s.untyped()) {
      saveGlobal(Allowlist.global("torch.storage.UntypedStorage"));
    } else {
      global("torch", s.dtype().storageClass().orElseThrow());
    }
    shared("key:" + s.key(), () -> unicode(s.key()));
    if (s.location().equals("cpu")) {
      sharedString("cpu");
    } else {
      // torch builds other location tags ("cuda:0") afresh for every storage.
      unicode(s.location());
      memoizeFresh();
    }
    saveInt(s.numel());
    op(TUPLE);
    memoizeFresh();
    op(BINPERSID);
  }

  private void hooks() throws IOException {
    global("collections", "OrderedDict");
    op(EMPTY_TUPLE);
    op(REDUCE);
    memoizeFresh();
  }

  private void saveTensor(TensorRef t) throws IOException {
    if (t.requiresGrad() && !t.dtype().isFloatingPoint()) {
      throw refuse(
          "a " + t.dtype() + " tensor cannot require gradients",
          "only floating point and complex tensors can");
    }
    List<Object> steps = new ArrayList<>();
    if (t.parameter()) {
      boolean withState = !t.attributes().isEmpty();
      require113(!withState, "a Parameter with attributes (_rebuild_parameter_with_state)");
      global("torch._utils", withState ? "_rebuild_parameter_with_state" : "_rebuild_parameter");
      if (withState) {
        steps.add((Step) () -> op(MARK));
      }
      // The inner tensor is param.data: a new plain tensor that does not require grad.
      steps.add(new Save(t.withParameter(false, false).withAttributes(Map.of())));
      steps.add((Step) () -> op(t.requiresGrad() ? NEWTRUE : NEWFALSE));
      steps.add((Step) this::hooks);
      if (withState) {
        steps.add(new Save(attributeDict(t.attributes())));
      }
      steps.add(
          (Step)
              () -> {
                op(withState ? TUPLE : TUPLE3);
                memoizeFresh();
                op(REDUCE);
                memoize(t);
              });
    } else if (!t.attributes().isEmpty()) {
      require113(false, "a tensor with attributes (_rebuild_from_type_v2)");
      global("torch._tensor", "_rebuild_from_type_v2");
      op(MARK);
      String func = plainFunction(t);
      global("torch._utils", func);
      global("torch", "Tensor");
      plainArgs(steps, t);
      steps.add(new Save(attributeDict(t.attributes())));
      steps.add(
          (Step)
              () -> {
                op(TUPLE);
                memoizeFresh();
                op(REDUCE);
                memoize(t);
              });
    } else {
      global("torch._utils", plainFunction(t));
      plainArgs(steps, t);
      steps.add(
          (Step)
              () -> {
                op(REDUCE);
                memoize(t);
              });
    }
    schedule(steps);
  }

  private static PyDict attributeDict(Map<String, Object> attributes) {
    PyDict d = PyDict.dict();
    attributes.forEach(d::put);
    return d;
  }

  private String plainFunction(TensorRef t) throws FormatException {
    if (t.storage() == null) {
      require113(Allowlist.DTYPES_1_13.contains(t.dtype()), "a meta tensor of dtype " + t.dtype());
      return "_rebuild_meta_tensor_no_storage";
    }
    if (t.quant() != null) {
      require113(false, "a quantized tensor");
      return "_rebuild_qtensor";
    }
    if (v3(t)) {
      require113(false, "a " + t.dtype() + " tensor over an untyped storage (_rebuild_tensor_v3)");
      return "_rebuild_tensor_v3";
    }
    return "_rebuild_tensor_v2";
  }

  private static boolean v3(TensorRef t) throws FormatException {
    StorageRef s = t.storage();
    if (s.untyped()) {
      return true;
    }
    if (s.dtype() != t.dtype()) {
      throw refuse(
          "a " + t.dtype() + " tensor over the typed " + s.dtype() + " storage '" + s.key() + "'",
          "a typed storage holds only its own dtype; use an untyped storage");
    }
    return false;
  }

  /** The argument tuple of the rebuild function chosen by {@link #plainFunction}. */
  private void plainArgs(List<Object> steps, TensorRef t) throws FormatException {
    if (t.storage() == null) {
      steps.add((Step) () -> op(MARK));
      steps.add(new Save(t.dtype()));
      steps.add((Step) () -> freshInts(t.size()));
      steps.add((Step) () -> freshInts(t.stride()));
      steps.add((Step) () -> op(t.requiresGrad() ? NEWTRUE : NEWFALSE));
    } else {
      boolean v3 = t.quant() == null && v3(t);
      boolean metadata = t.conj() || t.neg();
      require113(!metadata, "a tensor with lazy conj/neg bits");
      steps.add((Step) () -> op(MARK));
      steps.add((Step) () -> persistentId(t.storage()));
      steps.add((Step) () -> saveInt(t.storageOffset()));
      steps.add((Step) () -> freshInts(t.size()));
      steps.add((Step) () -> freshInts(t.stride()));
      if (t.quant() != null) {
        quantizerParams(steps, t.quant());
      }
      steps.add((Step) () -> op(t.requiresGrad() ? NEWTRUE : NEWFALSE));
      steps.add((Step) this::hooks);
      if (v3) {
        steps.add(new Save(t.dtype()));
      }
      if (metadata) {
        steps.add((Step) () -> tensorMetadata(t));
      }
    }
    steps.add(
        (Step)
            () -> {
              op(TUPLE);
              memoizeFresh();
            });
  }

  private void quantizerParams(List<Object> steps, QuantParams q) {
    if (q.scales() == null) {
      steps.add(new Save(q.scheme()));
      steps.add((Step) () -> saveFloat(q.scale()));
      steps.add((Step) () -> saveInt(q.zeroPoint()));
      steps.add(
          (Step)
              () -> {
                op(TUPLE3);
                memoizeFresh();
              });
    } else {
      steps.add((Step) () -> op(MARK));
      steps.add(new Save(q.scheme()));
      steps.add(new Save(q.scales()));
      steps.add(new Save(q.zeroPoints()));
      steps.add((Step) () -> saveInt(q.axis()));
      steps.add(
          (Step)
              () -> {
                op(TUPLE);
                memoizeFresh();
              });
    }
  }

  /** The dict torch._C._get_tensor_metadata returns: {'conj': True} and/or {'neg': True}. */
  private void tensorMetadata(TensorRef t) throws IOException {
    op(EMPTY_DICT);
    memoizeFresh();
    if (t.conj() && t.neg()) {
      op(MARK);
    }
    if (t.conj()) {
      unicode("conj");
      memoizeFresh();
      op(NEWTRUE);
    }
    if (t.neg()) {
      unicode("neg");
      memoizeFresh();
      op(NEWTRUE);
    }
    op(t.conj() && t.neg() ? SETITEMS : SETITEM);
  }

  private void saveSparse(SparseTensorRef s) throws IOException {
    require113(
        s.layout().equals(TorchLayout.SPARSE_COO) && s.data().size() == 3,
        "a " + s.layout() + " tensor with " + s.data().size() + " data items");
    global("torch._utils", "_rebuild_sparse_tensor");
    List<Object> steps = new ArrayList<>();
    steps.add(new Save(s.layout()));
    freshTuple(steps, s.data());
    steps.add(
        (Step)
            () -> {
              op(TUPLE2);
              memoizeFresh();
              op(REDUCE);
              memoize(s);
            });
    schedule(steps);
  }
}
