package io.modelstash.format.pickle;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * Python {@code list}: a mutable list of model objects that refuses Java {@code null}. A list may
 * contain itself (pickles can build cycles through the memo); {@link #equals}, {@link #hashCode}
 * and {@link #toString} are structural, cycle-safe and iterative. Unlike other {@link
 * java.util.List}s, a {@code PyList} is only ever equal to another {@code PyList}.
 */
public final class PyList extends AbstractList<Object> implements RandomAccess {
  private final ArrayList<Object> items;

  public PyList() {
    this.items = new ArrayList<>();
  }

  public PyList(Collection<?> items) {
    this.items = new ArrayList<>(items.size());
    addAll(items);
  }

  public static PyList of(Object... items) {
    return new PyList(Arrays.asList(items));
  }

  @Override
  public Object get(int index) {
    return items.get(index);
  }

  @Override
  public int size() {
    return items.size();
  }

  @Override
  public Object set(int index, Object element) {
    return items.set(index, Objects.requireNonNull(element, "element (use PyNone.NONE)"));
  }

  @Override
  public void add(int index, Object element) {
    items.add(index, Objects.requireNonNull(element, "element (use PyNone.NONE)"));
    modCount++;
  }

  @Override
  public Object remove(int index) {
    modCount++;
    return items.remove(index);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PyList && Structural.equal(this, o);
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
