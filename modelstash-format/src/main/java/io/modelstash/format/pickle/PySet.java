package io.modelstash.format.pickle;

import java.util.Arrays;
import java.util.List;

/**
 * Python {@code set}, kept in the order the pickle listed its items. Items must be hashable in the
 * Python sense and distinct under Python equality ({@code 1}, {@code True} and {@code 1.0} are the
 * same item).
 */
public record PySet(List<Object> items) {
  public PySet {
    items = List.copyOf(items);
    PythonKeys.requireDistinct(items);
  }

  public static PySet of(Object... items) {
    return new PySet(Arrays.asList(items));
  }

  public int size() {
    return items.size();
  }

  /** Whether the set holds an item equal to {@code item} under Python equality. */
  public boolean contains(Object item) {
    Object key = PythonKeys.normalize(item);
    if (key == null) {
      return false;
    }
    for (Object o : items) {
      if (key.equals(PythonKeys.normalize(o))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PySet && Structural.equal(this, o);
  }

  @Override
  public int hashCode() {
    return Structural.hash(this);
  }

  @Override
  public String toString() {
    return Structural.repr(this);
  }
}
