package io.modelstash.format.pickle;

import io.modelstash.format.DType;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Python hashing rules for dict keys and set items. {@link #normalize} maps a model object to a
 * Java object whose {@code equals}/{@code hashCode} match Python's {@code ==}/{@code hash}: {@code
 * True}, {@code 1}, {@code 1.0} and {@code (1+0j)} all become {@code Long 1}; tuples and {@code
 * torch.Size} become a flat token list (so comparing nested tuples never recurses); NaN and objects
 * that Python hashes by identity (tensors, storages) match only themselves.
 */
final class PythonKeys {
  private PythonKeys() {}

  /** Brackets in the flat token form of a tuple key. */
  private enum Token {
    OPEN,
    CLOSE
  }

  private record TupleKey(List<Object> tokens) {}

  private record BytesKey(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof BytesKey k && Arrays.equals(k.bytes, bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  private record ComplexKey(double re, double im) {}

  private static final class IdentityKey {
    private final Object ref;

    IdentityKey(Object ref) {
      this.ref = ref;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof IdentityKey k && k.ref == ref;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(ref);
    }
  }

  private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

  /** The hash key of {@code o}, or null if Python cannot hash it (list, dict, set, bytearray). */
  static Object normalize(Object o) {
    if (o instanceof PyTuple || o instanceof TorchSize) {
      return tupleKey(o);
    }
    return scalarKey(o);
  }

  private static Object scalarKey(Object o) {
    if (o instanceof String || o instanceof Long || o instanceof PyNone) {
      return o;
    }
    if (o instanceof Boolean b) {
      return b ? 1L : 0L;
    }
    if (o instanceof Integer || o instanceof Short || o instanceof Byte) {
      return ((Number) o).longValue();
    }
    if (o instanceof BigInteger big) {
      return big.compareTo(LONG_MIN) >= 0 && big.compareTo(LONG_MAX) <= 0 ? big.longValue() : big;
    }
    if (o instanceof Double || o instanceof Float) {
      return doubleKey(((Number) o).doubleValue(), o);
    }
    if (o instanceof PyComplex c) {
      if (c.im() == 0.0) {
        return doubleKey(c.re(), c);
      }
      if (Double.isNaN(c.re()) || Double.isNaN(c.im())) {
        return new IdentityKey(c);
      }
      return new ComplexKey(c.re() + 0.0, c.im() + 0.0);
    }
    if (o instanceof PyBytes b) {
      return b.mutable() ? null : new BytesKey(b.value());
    }
    if (o instanceof DType
        || o instanceof QScheme
        || o instanceof TorchDevice
        || o instanceof TorchLayout
        || o instanceof PyGlobal) {
      return o;
    }
    if (o instanceof TensorRef || o instanceof StorageRef || o instanceof SparseTensorRef) {
      return new IdentityKey(o);
    }
    return null;
  }

  private static Object doubleKey(double d, Object owner) {
    if (Double.isNaN(d)) {
      // Python compares a NaN key only by identity.
      return new IdentityKey(owner);
    }
    if (Double.isInfinite(d) || d != Math.rint(d)) {
      return d;
    }
    if (d >= -0x1p63 && d < 0x1p63) {
      return (long) d;
    }
    return new BigDecimal(d).toBigIntegerExact();
  }

  private static Object tupleKey(Object root) {
    List<Object> tokens = new ArrayList<>();
    ArrayDeque<Object> work = new ArrayDeque<>();
    work.push(root);
    while (!work.isEmpty()) {
      Object o = work.pop();
      if (o == Token.CLOSE) {
        tokens.add(Token.CLOSE);
      } else if (o instanceof PyTuple t) {
        tokens.add(Token.OPEN);
        work.push(Token.CLOSE);
        for (int i = t.size() - 1; i >= 0; i--) {
          work.push(t.get(i));
        }
      } else if (o instanceof TorchSize s) {
        // torch.Size hashes and compares like the tuple of its ints.
        tokens.add(Token.OPEN);
        for (long d : s.dims()) {
          tokens.add(d);
        }
        tokens.add(Token.CLOSE);
      } else {
        Object k = scalarKey(o);
        if (k == null) {
          return null;
        }
        tokens.add(k);
      }
    }
    return new TupleKey(tokens);
  }

  /** Throws IllegalArgumentException if an item is unhashable or two items are equal in Python. */
  static void requireDistinct(List<Object> items) {
    Set<Object> seen = new HashSet<>();
    for (Object item : items) {
      Object k = normalize(item);
      if (k == null) {
        throw new IllegalArgumentException("unhashable set item: " + typeName(item));
      }
      if (!seen.add(k)) {
        throw new IllegalArgumentException("duplicate set item: " + Structural.repr(item));
      }
    }
  }

  /** The Python type name of a model object, for messages. */
  static String typeName(Object o) {
    if (o == null) {
      return "null";
    }
    if (o instanceof PyNone) {
      return "NoneType";
    }
    if (o instanceof Boolean) {
      return "bool";
    }
    if (o instanceof Long || o instanceof BigInteger || o instanceof Integer) {
      return "int";
    }
    if (o instanceof Double) {
      return "float";
    }
    if (o instanceof String) {
      return "str";
    }
    if (o instanceof PyBytes b) {
      return b.mutable() ? "bytearray" : "bytes";
    }
    if (o instanceof PyTuple) {
      return "tuple";
    }
    if (o instanceof PyList) {
      return "list";
    }
    if (o instanceof PySet) {
      return "set";
    }
    if (o instanceof PyComplex) {
      return "complex";
    }
    if (o instanceof PyDict d) {
      return switch (d.kind()) {
        case DICT -> "dict";
        case ORDERED_DICT -> "collections.OrderedDict";
        case COUNTER -> "collections.Counter";
      };
    }
    if (o instanceof TensorRef t) {
      return t.parameter() ? "torch.nn.Parameter" : "torch.Tensor";
    }
    if (o instanceof SparseTensorRef) {
      return "torch.Tensor (sparse)";
    }
    if (o instanceof StorageRef) {
      return "torch.storage.TypedStorage";
    }
    if (o instanceof TorchSize) {
      return "torch.Size";
    }
    if (o instanceof TorchDevice) {
      return "torch.device";
    }
    if (o instanceof TorchLayout) {
      return "torch.layout";
    }
    if (o instanceof DType) {
      return "torch.dtype";
    }
    if (o instanceof QScheme) {
      return "torch.qscheme";
    }
    if (o instanceof PyGlobal g) {
      return "global " + g.qualifiedName();
    }
    return o.getClass().getSimpleName();
  }
}
