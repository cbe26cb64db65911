package io.modelstash.format.pickle;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** A tiny assembler for hand-made pickles: one method per opcode, plus a few torch idioms. */
final class Pickle {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /** An empty pickle (no PROTO). */
  static Pickle raw() {
    return new Pickle();
  }

  /** Starts with PROTO 2, as torch.save writes. */
  static Pickle proto2() {
    return new Pickle().op(0x80).u8(2);
  }

  Pickle op(int op) {
    out.write(op);
    return this;
  }

  Pickle u8(int v) {
    out.write(v);
    return this;
  }

  Pickle le(long v, int n) {
    for (int i = 0; i < n; i++) {
      out.write((int) (v >>> (8 * i)));
    }
    return this;
  }

  Pickle raw(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  Pickle ascii(String s) {
    return raw(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  Pickle global(String module, String name) {
    return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
  }

  Pickle str(String s) {
    byte[] b = Utf8.encode(s);
    return op('X').le(b.length, 4).raw(b);
  }

  Pickle binint1(int v) {
    return op('K').u8(v);
  }

  Pickle binint2(int v) {
    return op('M').le(v, 2);
  }

  Pickle binint(int v) {
    return op('J').le(v, 4);
  }

  Pickle long1(BigInteger v) {
    byte[] be = v.toByteArray();
    op(0x8A).u8(be.length);
    for (int i = be.length - 1; i >= 0; i--) {
      out.write(be[i]);
    }
    return this;
  }

  /** The int as CPython protocol 2 writes it. */
  Pickle integer(long v) {
    if (v >= 0 && v < 256) {
      return binint1((int) v);
    }
    if (v >= 0 && v < 65536) {
      return binint2((int) v);
    }
    if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
      return binint((int) v);
    }
    return long1(BigInteger.valueOf(v));
  }

  Pickle binfloat(double d) {
    long bits = Double.doubleToRawLongBits(d);
    op('G');
    for (int i = 7; i >= 0; i--) {
      out.write((int) (bits >>> (8 * i)));
    }
    return this;
  }

  Pickle mark() {
    return op('(');
  }

  Pickle tuple() {
    return op('t');
  }

  Pickle tuple1() {
    return op(0x85);
  }

  Pickle tuple2() {
    return op(0x86);
  }

  Pickle tuple3() {
    return op(0x87);
  }

  Pickle emptyTuple() {
    return op(')');
  }

  Pickle emptyList() {
    return op(']');
  }

  Pickle emptyDict() {
    return op('}');
  }

  Pickle append() {
    return op('a');
  }

  Pickle appends() {
    return op('e');
  }

  Pickle setitem() {
    return op('s');
  }

  Pickle setitems() {
    return op('u');
  }

  Pickle reduce() {
    return op('R');
  }

  Pickle build() {
    return op('b');
  }

  Pickle newobj() {
    return op(0x81);
  }

  Pickle none() {
    return op('N');
  }

  Pickle bool(boolean b) {
    return op(b ? 0x88 : 0x89);
  }

  Pickle put(int i) {
    return op('q').u8(i);
  }

  Pickle get(int i) {
    return op('h').u8(i);
  }

  Pickle longPut(long i) {
    return op('r').le(i, 4);
  }

  Pickle longGet(long i) {
    return op('j').le(i, 4);
  }

  Pickle persid() {
    return op('Q');
  }

  Pickle stop() {
    return op('.');
  }

  /** ('storage', torch.<cls>, key, location, numel) BINPERSID. */
  Pickle storage(String module, String cls, String key, long numel) {
    return mark()
        .str("storage")
        .global(module, cls)
        .str(key)
        .str("cpu")
        .integer(numel)
        .tuple()
        .persid();
  }

  Pickle storage(String cls, String key, long numel) {
    return storage("torch", cls, key, numel);
  }

  /** Pushes an int tuple (EMPTY_TUPLE, TUPLE1-3 or MARK..TUPLE). */
  Pickle ints(long... v) {
    if (v.length == 0) {
      return emptyTuple();
    }
    if (v.length > 3) {
      mark();
    }
    for (long x : v) {
      integer(x);
    }
    return v.length == 1 ? tuple1() : v.length == 2 ? tuple2() : v.length == 3 ? tuple3() : tuple();
  }

  /** collections.OrderedDict() */
  Pickle orderedDict() {
    return global("collections", "OrderedDict").emptyTuple().reduce();
  }

  /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()) */
  Pickle tensorV2(String cls, String key, long numel, long offset, long[] size, long[] stride) {
    return global("torch._utils", "_rebuild_tensor_v2")
        .mark()
        .storage(cls, key, numel)
        .integer(offset)
        .ints(size)
        .ints(stride)
        .bool(false)
        .orderedDict()
        .tuple()
        .reduce();
  }

  byte[] bytes() {
    return out.toByteArray();
  }
}
