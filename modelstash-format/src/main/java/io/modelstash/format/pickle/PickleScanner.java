package io.modelstash.format.pickle;

import static io.modelstash.format.pickle.Opcodes.*;

import io.modelstash.format.DType;
import io.modelstash.format.FormatException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the storages a torch pickle refers to, in any pickle (protocols 0 to 5, any globals), so
 * that even checkpoints {@code weights_only} refuses (Lightning checkpoints with {@code
 * argparse.Namespace}, numpy scalars, custom classes) can be split into tensor payloads.
 *
 * <p>It is a stack machine over every opcode that builds no real objects: strings, ints and tuples
 * are kept, every global is an inert name, and calls, instances, lists, dicts and sets are inert
 * markers. It recognises only the storage persistent ids (the 5-tuple of the zip format and the
 * 6-tuple of the legacy format) and {@code _rebuild_tensor_v3(storage, ..., dtype)}, which gives an
 * untyped storage its element type. Nothing named by the input is ever executed. Structural
 * corruption (truncation, stack underflow, a missing MARK or memo entry, a malformed storage id)
 * and the {@link Limits} fail with {@link FormatException}.
 */
public final class PickleScanner {
  /** The storages of one pickle and the offset just past its {@code STOP}. */
  public record ScanResult(List<ScannedStorage> storages, int end) {}

  private enum Inert {
    VALUE
  }

  private record GlobalRef(String module, String name) {}

  private record ScanTuple(Object[] items) {}

  private record StorageMarker(String key) {}

  private static final class Found {
    final String key;
    final DType dtype;
    final long numel;
    final boolean untyped;
    DType refined;
    boolean conflict;

    Found(String key, DType dtype, long numel, boolean untyped) {
      this.key = key;
      this.dtype = dtype;
      this.numel = numel;
      this.untyped = untyped;
    }
  }

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
  private final LinkedHashMap<String, Found> found = new LinkedHashMap<>();
  private int op;

  private PickleScanner(byte[] data, int offset, Limits limits) throws FormatException {
    this.in = new PickleInput(data, offset, limits.maxBytes(), "scan pickle");
    this.limits = limits;
    this.memoryBudget = Runtime.getRuntime().maxMemory() / 4;
  }

  public static List<ScannedStorage> scan(byte[] pickle) throws FormatException {
    return scan(pickle, Limits.defaults());
  }

  public static List<ScannedStorage> scan(byte[] pickle, Limits limits) throws FormatException {
    return scanAt(pickle, 0, limits).storages();
  }

  /** Scans the pickle starting at {@code offset} (for the legacy multi-pickle stream). */
  public static ScanResult scanAt(byte[] data, int offset, Limits limits) throws FormatException {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(limits, "limits");
    PickleScanner s = new PickleScanner(data, offset, limits);
    try {
      int end = s.run();
      return new ScanResult(s.result(), end);
    } catch (RuntimeException e) {
      throw new FormatException(
          PickleInput.oneLine(
              "Cannot scan pickle: invalid value at offset "
                  + s.in.opStart
                  + ": "
                  + e.getMessage()
                  + " (the pickle is corrupt)"),
          e);
    }
  }

  private List<ScannedStorage> result() {
    List<ScannedStorage> out = new ArrayList<>(found.size());
    for (Found f : found.values()) {
      DType t = f.refined;
      if (f.untyped && t != null && !f.conflict && f.numel % t.elementSize() == 0) {
        out.add(new ScannedStorage(f.key, t, f.numel / t.elementSize(), true));
      } else {
        out.add(new ScannedStorage(f.key, f.dtype, f.numel, f.untyped));
      }
    }
    return List.copyOf(out);
  }

  private FormatException corrupt(String reason) {
    return in.fail(reason + " at offset " + in.opStart, "the pickle is corrupt");
  }

  private int run() throws FormatException {
    long count = 0;
    while (true) {
      if (++count > limits.maxOpcodes()) {
        throw in.fail(
            "more than " + limits.maxOpcodes() + " opcodes",
            "raise Limits.maxOpcodes if this file is genuine");
      }
      in.opStart = in.pos;
      op = in.u8("an opcode");
      switch (op) {
        case PROTO -> in.u8("PROTO");
        case FRAME -> {
          long n = in.i64le("FRAME length");
          if (n < 0 || n > in.buf.length - in.pos) {
            throw corrupt("FRAME of " + Long.toUnsignedString(n) + " bytes runs past the end");
          }
        }
        case STOP -> {
          pop();
          return in.pos;
        }
        case MARK -> mark();
        case POP -> {
          if (sp > base) {
            pop();
          } else {
            popMark();
          }
        }
        case POP_MARK -> popMark();
        case DUP -> push(top());
        case NONE, NEWTRUE, NEWFALSE, EMPTY_LIST, EMPTY_DICT, EMPTY_SET, NEXT_BUFFER ->
            push(Inert.VALUE);
        case READONLY_BUFFER -> top();
        case EMPTY_TUPLE -> push(new ScanTuple(new Object[0]));
        case INT -> push(textInt(false));
        case LONG -> push(textInt(true));
        case BININT -> push((long) in.i32("BININT"));
        case BININT1 -> push((long) in.u8("BININT1"));
        case BININT2 -> push((long) in.u16("BININT2"));
        case LONG1 -> push(longBytes(in.u8("LONG1 length")));
        case LONG4 -> push(longBytes(signedLength(in.i32("LONG4 length"))));
        case FLOAT -> {
          in.line("FLOAT");
          push(Inert.VALUE);
        }
        case BINFLOAT -> {
          in.take(8, "BINFLOAT");
          push(Inert.VALUE);
        }
        case STRING -> push(textString());
        case BINSTRING -> push(bytesString(signedLength(in.i32("BINSTRING length"))));
        case SHORT_BINSTRING -> push(bytesString(in.u8("SHORT_BINSTRING length")));
        case UNICODE -> push(rawUnicode());
        case BINUNICODE -> push(utf8(in.u32("BINUNICODE length")));
        case SHORT_BINUNICODE -> push(utf8(in.u8("SHORT_BINUNICODE length")));
        case BINUNICODE8 -> push(utf8(in.i64le("BINUNICODE8 length")));
        case BINBYTES -> skipPush(in.u32("BINBYTES length"), "BINBYTES");
        case SHORT_BINBYTES -> skipPush(in.u8("SHORT_BINBYTES length"), "SHORT_BINBYTES");
        case BINBYTES8 -> skipPush(in.i64le("BINBYTES8 length"), "BINBYTES8");
        case BYTEARRAY8 -> skipPush(in.i64le("BYTEARRAY8 length"), "BYTEARRAY8");
        case TUPLE -> push(tuple(popMark()));
        case TUPLE1 -> push(tuple(popN(1)));
        case TUPLE2 -> push(tuple(popN(2)));
        case TUPLE3 -> push(tuple(popN(3)));
        case LIST, DICT, FROZENSET -> {
          popMark();
          push(Inert.VALUE);
        }
        case APPEND -> {
          pop();
          top();
        }
        case APPENDS, SETITEMS, ADDITEMS -> {
          popMark();
          top();
        }
        case SETITEM -> {
          popN(2);
          top();
        }
        case BUILD -> {
          pop();
          top();
        }
        case GLOBAL -> push(global(line("GLOBAL module"), line("GLOBAL name")));
        case STACK_GLOBAL -> {
          Object[] mn = popN(2);
          push(mn[0] instanceof String m && mn[1] instanceof String n ? global(m, n) : Inert.VALUE);
        }
        case INST -> {
          line("INST module");
          line("INST name");
          popMark();
          push(Inert.VALUE);
        }
        case OBJ -> {
          if (popMark().length == 0) {
            throw corrupt("OBJ without a class");
          }
          push(Inert.VALUE);
        }
        case REDUCE -> reduce();
        case NEWOBJ -> {
          popN(2);
          push(Inert.VALUE);
        }
        case NEWOBJ_EX -> {
          popN(3);
          push(Inert.VALUE);
        }
        case EXT1 -> extension(in.u8("EXT1"));
        case EXT2 -> extension(in.u16("EXT2"));
        case EXT4 -> extension(in.i32("EXT4"));
        case PERSID -> {
          in.line("PERSID");
          push(Inert.VALUE);
        }
        case BINPERSID -> push(persistentId(pop()));
        case GET -> push(memoGet(textIndex("GET")));
        case BINGET -> push(memoGet(in.u8("BINGET")));
        case LONG_BINGET -> push(memoGet(in.u32("LONG_BINGET")));
        case PUT -> memoPut(textIndex("PUT"));
        case BINPUT -> memoPut(in.u8("BINPUT"));
        case LONG_BINPUT -> memoPut(in.u32("LONG_BINPUT"));
        case MEMOIZE -> memoPut(memo.size());
        default -> throw corrupt("unknown opcode " + op + " (0x" + Integer.toHexString(op) + ")");
      }
    }
  }

  // ---------------------------------------------------------------- stack and memo

  private void charge(long bytes) throws FormatException {
    memoryUsed += bytes;
    if (memoryUsed > memoryBudget) {
      throw in.fail(
          "scanning would take more than " + (memoryBudget >> 20) + " MiB at offset " + in.opStart,
          "a quarter of the maximum heap; give the JVM more memory if this file is genuine");
    }
  }

  private void push(Object o) throws FormatException {
    if (sp == stack.length) {
      charge(8L * sp);
      stack = Arrays.copyOf(stack, sp * 2);
    }
    stack[sp++] = o;
  }

  private Object pop() throws FormatException {
    return popN(1)[0];
  }

  private Object[] popN(int n) throws FormatException {
    if (sp - base < n) {
      throw corrupt(
          "stack underflow: "
              + Opcodes.name(op)
              + " needs "
              + n
              + " values, the stack has "
              + (sp - base)
              + " since the last MARK");
    }
    Object[] out = Arrays.copyOfRange(stack, sp - n, sp);
    Arrays.fill(stack, sp - n, sp, null);
    sp -= n;
    return out;
  }

  private Object top() throws FormatException {
    if (sp == base) {
      throw corrupt("stack underflow: " + Opcodes.name(op) + " needs a value on the stack");
    }
    return stack[sp - 1];
  }

  private void mark() throws FormatException {
    if (markCount >= limits.maxDepth()) {
      throw in.fail(
          "more than " + limits.maxDepth() + " nested MARKs at offset " + in.opStart,
          "raise Limits.maxDepth if this file is genuine");
    }
    if (markCount == marks.length) {
      marks = Arrays.copyOf(marks, markCount * 2);
    }
    marks[markCount++] = base;
    base = sp;
  }

  private Object[] popMark() throws FormatException {
    if (markCount == 0) {
      throw corrupt(Opcodes.name(op) + " without a matching MARK");
    }
    Object[] items = Arrays.copyOfRange(stack, base, sp);
    Arrays.fill(stack, base, sp, null);
    sp = base;
    base = marks[--markCount];
    return items;
  }

  private Object memoGet(long index) throws FormatException {
    Object o = memo.get(index);
    if (o == null) {
      throw corrupt(Opcodes.name(op) + " of memo index " + index + ", which was never put");
    }
    return o;
  }

  private void memoPut(long index) throws FormatException {
    Object o = top();
    if (!memo.containsKey(index)) {
      if (memo.size() >= limits.maxMemo()) {
        throw in.fail(
            "more than " + limits.maxMemo() + " memo entries at offset " + in.opStart,
            "raise Limits.maxMemo if this file is genuine");
      }
      charge(64);
    }
    memo.put(index, o);
  }

  // ---------------------------------------------------------------- values

  private ScanTuple tuple(Object[] items) throws FormatException {
    charge(24 + 8L * items.length);
    return new ScanTuple(items);
  }

  private int signedLength(int n) throws FormatException {
    if (n < 0) {
      throw corrupt(Opcodes.name(op) + " has a negative length " + n);
    }
    return n;
  }

  private void skipPush(long n, String what) throws FormatException {
    in.take(n, what);
    push(Inert.VALUE);
  }

  private void extension(int code) throws FormatException {
    if (code <= 0) {
      throw corrupt(Opcodes.name(op) + " code " + code + " is not positive");
    }
    push(Inert.VALUE);
  }

  private Object longBytes(int n) throws FormatException {
    int p = in.take(n, Opcodes.name(op));
    if (n == 0) {
      return 0L;
    }
    charge(32 + n);
    byte[] be = new byte[n];
    for (int i = 0; i < n; i++) {
      be[i] = in.buf[p + n - 1 - i];
    }
    return WeightsOnlyUnpickler.normalizeInt(new BigInteger(be));
  }

  private String utf8(long n) throws FormatException {
    int p = in.take(n, Opcodes.name(op));
    charge(40 + 2 * n);
    String s = Utf8.decode(in.buf, p, (int) n, true);
    return s != null ? s : new String(in.buf, p, (int) n, StandardCharsets.ISO_8859_1);
  }

  /** A Python 2 str: torch decodes it as UTF-8; anything else is kept as Latin-1 text. */
  private String bytesString(int n) throws FormatException {
    int p = in.take(n, Opcodes.name(op));
    charge(40 + 2L * n);
    return decodeBytes(Arrays.copyOfRange(in.buf, p, p + n));
  }

  private static String decodeBytes(byte[] b) {
    String s = Utf8.decode(b, 0, b.length, false);
    return s != null ? s : new String(b, StandardCharsets.ISO_8859_1);
  }

  private String line(String what) throws FormatException {
    int[] l = in.line(what);
    charge(40 + 2L * l[1]);
    String s = Utf8.decode(in.buf, l[0], l[1], false);
    return s != null ? s : new String(in.buf, l[0], l[1], StandardCharsets.ISO_8859_1);
  }

  /** INT and LONG: decimal text; INT "01"/"00" are the protocol-0 booleans. */
  private Object textInt(boolean isLong) throws FormatException {
    String s = line(isLong ? "LONG" : "INT").strip();
    if (!isLong && (s.equals("00") || s.equals("01"))) {
      return Inert.VALUE;
    }
    if (isLong && s.endsWith("L")) {
      s = s.substring(0, s.length() - 1);
    }
    // CPython refuses int strings of more than 4300 digits.
    if (s.length() > 4301 || !s.matches("[+-]?[0-9]+")) {
      throw corrupt(Opcodes.name(op) + " argument is not a decimal integer");
    }
    return WeightsOnlyUnpickler.normalizeInt(new BigInteger(s));
  }

  private long textIndex(String what) throws FormatException {
    String s = line(what).strip();
    if (!s.matches("[0-9]{1,18}")) {
      throw corrupt(what + " index is not a non-negative decimal");
    }
    return Long.parseLong(s);
  }

  /** STRING: a quoted Python 2 literal with backslash escapes (codecs.escape_decode). */
  private String textString() throws FormatException {
    int[] l = in.line("STRING");
    int p = l[0];
    int n = l[1];
    byte[] b = in.buf;
    if (n < 2 || b[p] != b[p + n - 1] || (b[p] != '\'' && b[p] != '"')) {
      throw corrupt("the STRING opcode argument must be quoted");
    }
    charge(40 + 2L * n);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(n);
    int end = p + n - 1;
    for (int i = p + 1; i < end; i++) {
      int c = b[i] & 0xFF;
      if (c != '\\' || i + 1 >= end) {
        out.write(c);
        continue;
      }
      int e = b[++i] & 0xFF;
      switch (e) {
        case 'n' -> out.write('\n');
        case 't' -> out.write('\t');
        case 'r' -> out.write('\r');
        case 'a' -> out.write(7);
        case 'b' -> out.write(8);
        case 'f' -> out.write(12);
        case 'v' -> out.write(11);
        case '\\', '\'', '"' -> out.write(e);
        case '\n' -> {}
        case 'x' -> {
          if (i + 2 >= end || hex(b[i + 1]) < 0 || hex(b[i + 2]) < 0) {
            throw corrupt("invalid \\x escape in STRING");
          }
          out.write(hex(b[i + 1]) * 16 + hex(b[i + 2]));
          i += 2;
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int v = e - '0';
            for (int k = 0; k < 2 && i + 1 < end && b[i + 1] >= '0' && b[i + 1] <= '7'; k++) {
              v = v * 8 + (b[++i] - '0');
            }
            out.write(v & 0xFF);
          } else {
            out.write('\\');
            out.write(e);
          }
        }
      }
    }
    return decodeBytes(out.toByteArray());
  }

  private static int hex(byte c) {
    return Character.digit(c, 16);
  }

  /** UNICODE: raw-unicode-escape text (\\uXXXX and \\UXXXXXXXX escapes, other bytes Latin-1). */
  private Object rawUnicode() throws FormatException {
    int[] l = in.line("UNICODE");
    charge(40 + 2L * l[1]);
    StringBuilder sb = new StringBuilder(l[1]);
    byte[] b = in.buf;
    int end = l[0] + l[1];
    for (int i = l[0]; i < end; i++) {
      int c = b[i] & 0xFF;
      int digits = 0;
      if (c == '\\' && i + 1 < end) {
        digits = b[i + 1] == 'u' ? 4 : b[i + 1] == 'U' ? 8 : 0;
      }
      if (digits == 0) {
        sb.append((char) c);
        continue;
      }
      if (i + 1 + digits >= end) {
        throw corrupt("truncated \\u escape in UNICODE");
      }
      int cp = 0;
      for (int k = 0; k < digits; k++) {
        int h = hex(b[i + 2 + k]);
        if (h < 0) {
          throw corrupt("invalid \\u escape in UNICODE");
        }
        cp = cp * 16 + h;
      }
      if (cp < 0 || cp > 0x10FFFF) {
        throw corrupt("\\U escape beyond U+10FFFF in UNICODE");
      }
      sb.appendCodePoint(cp);
      i += 1 + digits;
    }
    return sb.toString();
  }

  private Object global(String module, String name) {
    String[] mapped = Allowlist.mapName(module, name);
    return new GlobalRef(mapped[0], mapped[1]);
  }

  // ---------------------------------------------------------------- storages

  private Object persistentId(Object pid) throws FormatException {
    if (!(pid instanceof ScanTuple t)
        || (t.items().length != 5 && t.items().length != 6)
        || !"storage".equals(t.items()[0])) {
      return Inert.VALUE;
    }
    Object[] items = t.items();
    if (!(items[1] instanceof GlobalRef type)) {
      throw corrupt("storage type of a persistent id is not a global");
    }
    Optional<DType> typed = storageDType(type);
    boolean untyped =
        type.module().equals("torch.storage")
            && (type.name().equals("UntypedStorage") || type.name().equals("TypedStorage"));
    if (typed.isEmpty() && !untyped) {
      throw corrupt("unknown storage type " + type.module() + "." + type.name());
    }
    String key;
    if (items[2] instanceof String s) {
      key = s;
    } else if (items[2] instanceof Long l && l >= 0) {
      key = Long.toString(l);
    } else {
      throw corrupt("storage key is not a str");
    }
    String problem = StorageRef.keyProblem(key);
    if (problem != null) {
      throw corrupt(problem);
    }
    if (!(items[4] instanceof Long numel) || numel < 0) {
      throw corrupt("storage numel of '" + key + "' is not an int >= 0");
    }
    DType dtype = untyped ? DType.UINT8 : typed.get();
    try {
      Math.multiplyExact(numel, (long) dtype.elementSize());
    } catch (ArithmeticException e) {
      throw corrupt("storage '" + key + "' of " + numel + " " + dtype + " overflows a long");
    }
    if (!found.containsKey(key)) {
      charge(128);
      found.put(key, new Found(key, dtype, numel, untyped));
    }
    return new StorageMarker(key);
  }

  private static Optional<DType> storageDType(GlobalRef type) {
    if (!type.module().equals("torch") && !type.module().equals("torch.cuda")) {
      return Optional.empty();
    }
    return DType.fromStorageClass(type.name());
  }

  private void reduce() throws FormatException {
    Object[] fa = popN(2);
    if (fa[0] instanceof GlobalRef fn && fa[1] instanceof ScanTuple args) {
      if (fn.module().equals("torch._utils") && fn.name().equals("_rebuild_tensor_v3")) {
        refine(args);
      } else if (fn.module().equals("torch._tensor")
          && fn.name().equals("_rebuild_from_type_v2")
          && args.items().length == 4
          && args.items()[0] instanceof GlobalRef inner
          && inner.module().equals("torch._utils")
          && inner.name().equals("_rebuild_tensor_v3")
          && args.items()[2] instanceof ScanTuple innerArgs) {
        refine(innerArgs);
      }
    }
    push(Inert.VALUE);
  }

  private void refine(ScanTuple args) {
    Object[] a = args.items();
    if (a.length < 7
        || !(a[0] instanceof StorageMarker m)
        || !(a[6] instanceof GlobalRef d)
        || !d.module().equals("torch")) {
      return;
    }
    Optional<DType> dtype = DType.fromTorchName(d.name());
    Found f = found.get(m.key());
    if (dtype.isEmpty() || f == null || !f.untyped) {
      return;
    }
    if (f.refined == null) {
      f.refined = dtype.get();
    } else if (f.refined != dtype.get()) {
      f.conflict = true;
    }
  }
}
