package io.modelstash.format.pickle;

import java.util.Arrays;
import java.util.List;

/**
 * Python {@code tuple}: an immutable list of model objects (no Java {@code null}). Equality, hash
 * and string form are structural and never recurse on the Java stack.
 */
public record PyTuple(List<Object> items) {
  public static final PyTuple EMPTY = new PyTuple(List.of());

  public PyTuple {
    items = List.copyOf(items);
  }

  public static PyTuple of(Object... items) {
    return new PyTuple(Arrays.asList(items));
  }

  public int size() {
    return items.size();
  }

  public Object get(int index) {
    return items.get(index);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PyTuple && Structural.equal(this, o);
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
