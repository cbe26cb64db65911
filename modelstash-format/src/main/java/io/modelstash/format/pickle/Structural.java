package io.modelstash.format.pickle;

import io.modelstash.format.DType;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Equality, hashing, string form and nesting height of object-model graphs, all with explicit work
 * stacks so that deep or cyclic graphs (a list that contains itself) never overflow the Java stack
 * or loop forever.
 */
final class Structural {
  private Structural() {}

  /** Upper bound on {@link #repr} output; longer graphs are cut with "...". */
  private static final int REPR_LIMIT = 8192;

  private record IdPair(Object a, Object b) {
    @Override
    public boolean equals(Object o) {
      return o instanceof IdPair p && p.a == a && p.b == b;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(a) * 31 + System.identityHashCode(b);
    }
  }

  static boolean isComposite(Object o) {
    return o instanceof PyList
        || o instanceof PyTuple
        || o instanceof PySet
        || o instanceof PyDict
        || o instanceof TensorRef
        || o instanceof SparseTensorRef
        || o instanceof QuantParams;
  }

  /** Structural equality; revisiting a pair already being compared counts as equal (cycles). */
  static boolean equal(Object a, Object b) {
    ArrayDeque<Object> work = new ArrayDeque<>();
    Set<IdPair> seen = new HashSet<>();
    work.push(b);
    work.push(a);
    while (!work.isEmpty()) {
      Object x = work.pop();
      Object y = work.pop();
      if (x == y) {
        continue;
      }
      if (x.getClass() != y.getClass()) {
        return false;
      }
      if (!isComposite(x)) {
        if (!x.equals(y)) {
          return false;
        }
        continue;
      }
      if (!seen.add(new IdPair(x, y)) || pairChildren(x, y, work)) {
        continue;
      }
      return false;
    }
    return true;
  }

  /** Compares the non-child parts and pushes child pairs; false if the parts differ. */
  private static boolean pairChildren(Object x, Object y, ArrayDeque<Object> work) {
    if (x instanceof PyList a) {
      return pairLists(a, (PyList) y, work);
    }
    if (x instanceof PyTuple a) {
      return pairLists(a.items(), ((PyTuple) y).items(), work);
    }
    if (x instanceof PySet a) {
      return pairLists(a.items(), ((PySet) y).items(), work);
    }
    if (x instanceof PyDict a) {
      PyDict b = (PyDict) y;
      if (a.kind() != b.kind() || a.size() != b.size()) {
        return false;
      }
      Iterator<PyDict.Entry> ib = b.rawEntries().iterator();
      for (PyDict.Entry ea : a.rawEntries()) {
        PyDict.Entry eb = ib.next();
        push(work, ea.key, eb.key);
        push(work, ea.value, eb.value);
      }
      return pairMaps(a.attributes(), b.attributes(), work);
    }
    if (x instanceof TensorRef a) {
      TensorRef b = (TensorRef) y;
      if (!Objects.equals(a.storage(), b.storage())
          || a.dtype() != b.dtype()
          || a.storageOffset() != b.storageOffset()
          || !Arrays.equals(a.size(), b.size())
          || !Arrays.equals(a.stride(), b.stride())
          || a.requiresGrad() != b.requiresGrad()
          || a.parameter() != b.parameter()
          || a.conj() != b.conj()
          || a.neg() != b.neg()
          || (a.quant() == null) != (b.quant() == null)) {
        return false;
      }
      if (a.quant() != null) {
        push(work, a.quant(), b.quant());
      }
      return pairMaps(a.attributes(), b.attributes(), work);
    }
    if (x instanceof QuantParams a) {
      QuantParams b = (QuantParams) y;
      if (a.scheme() != b.scheme()
          || Double.compare(a.scale(), b.scale()) != 0
          || a.zeroPoint() != b.zeroPoint()
          || a.axis() != b.axis()
          || (a.scales() == null) != (b.scales() == null)) {
        return false;
      }
      if (a.scales() != null) {
        push(work, a.scales(), b.scales());
        push(work, a.zeroPoints(), b.zeroPoints());
      }
      return true;
    }
    SparseTensorRef a = (SparseTensorRef) x;
    SparseTensorRef b = (SparseTensorRef) y;
    return a.layout().equals(b.layout()) && pairLists(a.data(), b.data(), work);
  }

  private static boolean pairLists(List<Object> a, List<Object> b, ArrayDeque<Object> work) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      push(work, a.get(i), b.get(i));
    }
    return true;
  }

  private static boolean pairMaps(
      Map<String, Object> a, Map<String, Object> b, ArrayDeque<Object> work) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, Object> e : a.entrySet()) {
      push(work, e.getValue(), b.get(e.getKey()));
    }
    return true;
  }

  private static void push(ArrayDeque<Object> work, Object a, Object b) {
    work.push(b);
    work.push(a);
  }

  /** A hash consistent with {@link #equal}: it looks only one level deep. */
  static int hash(Object o) {
    int h = o.getClass().getName().hashCode();
    if (o instanceof PyList l) {
      return listHash(h, l);
    }
    if (o instanceof PyTuple t) {
      return listHash(h, t.items());
    }
    if (o instanceof PySet s) {
      return listHash(h, s.items());
    }
    if (o instanceof PyDict d) {
      h = h * 31 + d.kind().hashCode();
      h = h * 31 + d.size();
      int n = 0;
      for (PyDict.Entry e : d.rawEntries()) {
        if (n++ == 16) {
          break;
        }
        h = h * 31 + leafHash(e.key);
      }
      return h * 31 + d.attributes().size();
    }
    if (o instanceof TensorRef t) {
      h = h * 31 + Objects.hashCode(t.storage());
      h = h * 31 + t.dtype().hashCode();
      h = h * 31 + Long.hashCode(t.storageOffset());
      h = h * 31 + Arrays.hashCode(t.size());
      h = h * 31 + Arrays.hashCode(t.stride());
      h = h * 31 + (t.requiresGrad() ? 1 : 0) + (t.parameter() ? 2 : 0);
      return h * 31 + t.attributes().size();
    }
    if (o instanceof QuantParams q) {
      return Objects.hash(h, q.scheme(), q.scale(), q.zeroPoint(), q.axis());
    }
    SparseTensorRef s = (SparseTensorRef) o;
    return listHash(h * 31 + s.layout().hashCode(), s.data());
  }

  private static int listHash(int h, List<Object> items) {
    h = h * 31 + items.size();
    int n = Math.min(items.size(), 16);
    for (int i = 0; i < n; i++) {
      h = h * 31 + leafHash(items.get(i));
    }
    return h;
  }

  private static int leafHash(Object o) {
    return isComposite(o) ? o.getClass().getName().hashCode() : o.hashCode();
  }

  /**
   * The number of nested containers on the deepest path from {@code root} (a flat list is 1, a
   * scalar 0), ignoring edges back to an object still being walked (cycles). Stops early once the
   * height exceeds {@code limit} and then returns {@code limit + 1}.
   */
  static int height(Object root, int limit) {
    IdentityHashMap<Object, Integer> done = new IdentityHashMap<>();
    IdentityHashMap<Object, Boolean> active = new IdentityHashMap<>();
    ArrayDeque<Object[]> stack = new ArrayDeque<>();
    if (!isComposite(root)) {
      return 0;
    }
    stack.push(new Object[] {root, children(root), 1});
    active.put(root, Boolean.TRUE);
    while (!stack.isEmpty()) {
      if (stack.size() > limit) {
        return limit + 1;
      }
      Object[] frame = stack.peek();
      Iterator<?> it = (Iterator<?>) frame[1];
      if (it.hasNext()) {
        Object child = it.next();
        if (!isComposite(child) || active.containsKey(child)) {
          continue;
        }
        Integer h = done.get(child);
        if (h != null) {
          frame[2] = Math.max((Integer) frame[2], h + 1);
          if (h + 1 > limit) {
            return limit + 1;
          }
          continue;
        }
        active.put(child, Boolean.TRUE);
        stack.push(new Object[] {child, children(child), 1});
      } else {
        stack.pop();
        active.remove(frame[0]);
        int h = (Integer) frame[2];
        done.put(frame[0], h);
        Object[] parent = stack.peek();
        if (parent != null) {
          parent[2] = Math.max((Integer) parent[2], h + 1);
        } else {
          return h;
        }
      }
    }
    return 0;
  }

  private static Iterator<Object> children(Object o) {
    java.util.ArrayList<Object> out = new java.util.ArrayList<>();
    if (o instanceof PyList l) {
      out.addAll(l);
    } else if (o instanceof PyTuple t) {
      out.addAll(t.items());
    } else if (o instanceof PySet s) {
      out.addAll(s.items());
    } else if (o instanceof PyDict d) {
      for (PyDict.Entry e : d.rawEntries()) {
        out.add(e.key);
        out.add(e.value);
      }
      out.addAll(d.attributes().values());
    } else if (o instanceof TensorRef t) {
      if (t.quant() != null) {
        out.add(t.quant());
      }
      out.addAll(t.attributes().values());
    } else if (o instanceof QuantParams q) {
      if (q.scales() != null) {
        out.add(q.scales());
        out.add(q.zeroPoints());
      }
    } else if (o instanceof SparseTensorRef s) {
      out.addAll(s.data());
    }
    return out.iterator();
  }

  private record Exit(Object o) {}

  /** A Python-like {@code repr}, at most about {@value #REPR_LIMIT} characters. */
  static String repr(Object root) {
    StringBuilder sb = new StringBuilder();
    ArrayDeque<Object> work = new ArrayDeque<>();
    IdentityHashMap<Object, Boolean> onPath = new IdentityHashMap<>();
    work.push(new Object[] {root});
    while (!work.isEmpty()) {
      if (sb.length() > REPR_LIMIT) {
        sb.append("...");
        break;
      }
      Object t = work.pop();
      if (t instanceof String s) {
        sb.append(s);
      } else if (t instanceof Exit e) {
        onPath.remove(e.o());
      } else {
        Object o = ((Object[]) t)[0];
        if (!isComposite(o)) {
          sb.append(leafRepr(o));
        } else if (onPath.containsKey(o)) {
          sb.append(o instanceof PyDict ? "{...}" : o instanceof PyList ? "[...]" : "...");
        } else {
          onPath.put(o, Boolean.TRUE);
          java.util.ArrayList<Object> tokens = new java.util.ArrayList<>();
          compositeTokens(o, tokens);
          work.push(new Exit(o));
          for (int i = tokens.size() - 1; i >= 0; i--) {
            work.push(tokens.get(i));
          }
        }
      }
    }
    return sb.toString();
  }

  /** Strings are literal text; one-element arrays are values still to render. */
  private static void compositeTokens(Object o, List<Object> out) {
    if (o instanceof PyList l) {
      seq(out, "[", l, "]", false);
    } else if (o instanceof PyTuple t) {
      seq(out, "(", t.items(), ")", t.size() == 1);
    } else if (o instanceof PySet s) {
      if (s.size() == 0) {
        out.add("set()");
      } else {
        seq(out, "{", s.items(), "}", false);
      }
    } else if (o instanceof PyDict d) {
      String prefix =
          switch (d.kind()) {
            case DICT -> "";
            case ORDERED_DICT -> "OrderedDict(";
            case COUNTER -> "Counter(";
          };
      out.add(prefix + "{");
      int n = 0;
      for (PyDict.Entry e : d.rawEntries()) {
        if (n > 0) {
          out.add(", ");
        }
        if (n++ == REPR_LIMIT / 4) {
          out.add("...");
          break;
        }
        out.add(new Object[] {e.key});
        out.add(": ");
        out.add(new Object[] {e.value});
      }
      out.add("}");
      attrs(out, d.attributes());
      out.add(prefix.isEmpty() ? "" : ")");
    } else if (o instanceof TensorRef t) {
      StringBuilder head = new StringBuilder(t.parameter() ? "Parameter(" : "tensor(");
      head.append(t.dtype().torchName())
          .append(", size=")
          .append(Arrays.toString(t.size()))
          .append(", stride=")
          .append(Arrays.toString(t.stride()))
          .append(", offset=")
          .append(t.storageOffset())
          .append(", storage=")
          .append(t.storage() == null ? "meta" : "'" + t.storage().key() + "'");
      if (t.requiresGrad()) {
        head.append(", requires_grad=True");
      }
      if (t.conj()) {
        head.append(", conj");
      }
      if (t.neg()) {
        head.append(", neg");
      }
      out.add(head.toString());
      if (t.quant() != null) {
        out.add(", quant=");
        out.add(new Object[] {t.quant()});
      }
      attrs(out, t.attributes());
      out.add(")");
    } else if (o instanceof QuantParams q) {
      if (q.scales() == null) {
        out.add(
            "QuantParams("
                + q.scheme()
                + ", scale="
                + q.scale()
                + ", zero_point="
                + q.zeroPoint()
                + ")");
      } else {
        out.add("QuantParams(" + q.scheme() + ", scales=");
        out.add(new Object[] {q.scales()});
        out.add(", zero_points=");
        out.add(new Object[] {q.zeroPoints()});
        out.add(", axis=" + q.axis() + ")");
      }
    } else {
      SparseTensorRef s = (SparseTensorRef) o;
      out.add("sparse(" + s.layout() + ", ");
      seq(out, "(", s.data(), "))", false);
    }
  }

  private static void seq(List<Object> out, String open, List<?> items, String close, boolean one) {
    out.add(open);
    int n = Math.min(items.size(), REPR_LIMIT / 2);
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        out.add(", ");
      }
      out.add(new Object[] {items.get(i)});
    }
    if (n < items.size()) {
      out.add(", ...");
    }
    out.add(one ? "," + close : close);
  }

  private static void attrs(List<Object> out, Map<String, Object> attributes) {
    if (attributes.isEmpty()) {
      return;
    }
    out.add(", attributes={");
    int n = 0;
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      if (n++ > 0) {
        out.add(", ");
      }
      out.add(quote(e.getKey()) + ": ");
      out.add(new Object[] {e.getValue()});
    }
    out.add("}");
  }

  static String leafRepr(Object o) {
    if (o instanceof String s) {
      return quote(s);
    }
    if (o instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (o instanceof Double d) {
      return floatRepr(d);
    }
    if (o instanceof Long || o instanceof BigInteger || o instanceof PyNone) {
      return o.toString();
    }
    if (o instanceof DType t) {
      return "torch." + t.torchName();
    }
    if (o instanceof PyComplex c) {
      String im = floatRepr(c.im());
      if (c.re() == 0.0 && Double.doubleToRawLongBits(c.re()) == 0) {
        return im + "j";
      }
      return "(" + floatRepr(c.re()) + (im.startsWith("-") ? "" : "+") + im + "j)";
    }
    if (o instanceof PyBytes b) {
      StringBuilder sb = new StringBuilder(b.mutable() ? "bytearray(b'" : "b'");
      int n = Math.min(b.length(), REPR_LIMIT);
      for (int i = 0; i < n; i++) {
        int c = b.byteAt(i);
        if (c == '\\' || c == '\'') {
          sb.append('\\').append((char) c);
        } else if (c >= 0x20 && c < 0x7F) {
          sb.append((char) c);
        } else {
          sb.append(String.format("\\x%02x", c));
        }
      }
      if (n < b.length()) {
        sb.append("...");
      }
      return sb.append(b.mutable() ? "')" : "'").toString();
    }
    if (o instanceof PyGlobal g) {
      return "<" + g.qualifiedName() + ">";
    }
    return String.valueOf(o);
  }

  private static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    return Double.toString(d);
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("'");
    int n = Math.min(s.length(), REPR_LIMIT);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\' -> sb.append("\\\\");
        case '\'' -> sb.append("\\'");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          boolean pair =
              Character.isHighSurrogate(c)
                  && i + 1 < n
                  && Character.isLowSurrogate(s.charAt(i + 1));
          if (pair) {
            sb.append(c).append(s.charAt(++i));
          } else if (c < 0x20 || c == 0x7F || Character.isSurrogate(c)) {
            sb.append(String.format(c < 0x100 ? "\\x%02x" : "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    if (n < s.length()) {
      sb.append("...");
    }
    return sb.append('\'').toString();
  }
}
