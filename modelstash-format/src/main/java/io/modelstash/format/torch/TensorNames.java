package io.modelstash.format.torch;

import io.modelstash.format.pickle.PyDict;
import io.modelstash.format.pickle.PyList;
import io.modelstash.format.pickle.PyNone;
import io.modelstash.format.pickle.PyTuple;
import io.modelstash.format.pickle.SparseTensorRef;
import io.modelstash.format.pickle.TensorRef;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds every tensor in an unpickled object tree and names it by its path: container keys joined
 * with {@code /} (dict keys as text, list and tuple indices in decimal), depth first in insertion
 * order, which is the order the pickle first meets them. A tensor saved on its own is named {@link
 * #ROOT_NAME}. Cyclic containers are visited once.
 */
public final class TensorNames {
  /** The name of a tensor that is itself the saved object. */
  public static final String ROOT_NAME = "";

  /** One tensor found in the tree, with its path name. */
  public record Named(String name, TensorRef tensor) {}

  private TensorNames() {}

  public static List<Named> collect(Object root) {
    List<Named> out = new ArrayList<>();
    walk(
        root,
        (path, value) -> {
          if (value instanceof TensorRef) {
            out.add(new Named(path == null ? ROOT_NAME : path, (TensorRef) value));
            return false;
          }
          return true;
        });
    return out;
  }

  /** Decides, for each value met, whether to enter it. */
  @FunctionalInterface
  public interface Visitor {
    /**
     * @param path the value's name ({@code null} for the root)
     * @return whether to visit the value's children, if it is a container
     */
    boolean visit(String path, Object value);
  }

  /**
   * Visits an object tree depth first in insertion order, naming values as {@link #collect} does.
   * Containers are dicts, lists, tuples and the parts of sparse tensors; each container is entered
   * at most once, so cyclic trees end.
   */
  public static void walk(Object root, Visitor visitor) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Object[]> stack = new ArrayDeque<>();
    stack.push(new Object[] {null, root});
    while (!stack.isEmpty()) {
      Object[] item = stack.pop();
      String path = (String) item[0];
      Object value = item[1];
      if (!visitor.visit(path, value)) {
        continue;
      }
      if (value instanceof SparseTensorRef) {
        pushChildren(stack, path, indexed(((SparseTensorRef) value).data()));
        continue;
      }
      boolean container =
          value instanceof PyDict || value instanceof PyList || value instanceof PyTuple;
      if (!container || !seen.add(value)) {
        continue;
      }
      if (value instanceof PyDict) {
        List<Object[]> children = new ArrayList<>();
        for (Map.Entry<Object, Object> e : ((PyDict) value).entries()) {
          children.add(new Object[] {keyText(e.getKey()), e.getValue()});
        }
        pushChildren(stack, path, children);
      } else if (value instanceof PyList) {
        pushChildren(stack, path, indexed((PyList) value));
      } else {
        pushChildren(stack, path, indexed(((PyTuple) value).items()));
      }
    }
  }

  private static List<Object[]> indexed(List<Object> items) {
    List<Object[]> children = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      children.add(new Object[] {Integer.toString(i), items.get(i)});
    }
    return children;
  }

  private static void pushChildren(Deque<Object[]> stack, String path, List<Object[]> children) {
    for (int i = children.size() - 1; i >= 0; i--) {
      Object[] c = children.get(i);
      String name = path == null ? (String) c[0] : path + "/" + c[0];
      stack.push(new Object[] {name, c[1]});
    }
  }

  /** Python's {@code str()} of a dict key, for the key types a checkpoint can carry. */
  public static String keyText(Object key) {
    if (key instanceof String) {
      return (String) key;
    }
    if (key instanceof Long || key instanceof BigInteger || key instanceof Integer) {
      return key.toString();
    }
    if (key instanceof Boolean) {
      return ((Boolean) key) ? "True" : "False";
    }
    if (key == PyNone.NONE) {
      return "None";
    }
    if (key instanceof Double) {
      return pythonFloat((Double) key);
    }
    if (key instanceof PyTuple) {
      List<Object> items = ((PyTuple) key).items();
      StringBuilder sb = new StringBuilder("(");
      for (int i = 0; i < items.size(); i++) {
        if (i > 0) {
          sb.append(", ");
        }
        Object k = items.get(i);
        sb.append(k instanceof String ? "'" + k + "'" : keyText(k));
      }
      if (items.size() == 1) {
        sb.append(',');
      }
      return sb.append(')').toString();
    }
    return String.valueOf(key);
  }

  private static String pythonFloat(double d) {
    if (Double.isNaN(d)) {
      return "nan";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "inf" : "-inf";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e16) {
      return String.format(java.util.Locale.ROOT, "%.1f", d);
    }
    return Double.toString(d);
  }
}
