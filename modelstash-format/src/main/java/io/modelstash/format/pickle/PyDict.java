package io.modelstash.format.pickle;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python {@code dict}, {@code collections.OrderedDict} or {@code collections.Counter}: insertion
 * ordered, with Python key equality. {@code 1}, {@code True} and {@code 1.0} are one key: the first
 * key object is kept and a later {@link #put} only replaces the value. Keys must be hashable in the
 * Python sense (no lists, dicts, sets or bytearrays).
 *
 * <p>{@link #attributes()} holds the instance attributes a pickle sets with {@code BUILD}, such as
 * the {@code _metadata} of a {@code state_dict}. Equality is structural (kind, entries in order,
 * attributes), cycle-safe and iterative.
 */
public final class PyDict {
  /** Which Python type the dictionary is. */
  public enum Kind {
    DICT,
    ORDERED_DICT,
    COUNTER
  }

  /** One key/value pair; the key object is the first one inserted for its Python key. */
  static final class Entry {
    final Object key;
    Object value;

    Entry(Object key, Object value) {
      this.key = key;
      this.value = value;
    }
  }

  private final Kind kind;
  private final LinkedHashMap<Object, Entry> entries = new LinkedHashMap<>();
  private final LinkedHashMap<String, Object> attributes = new LinkedHashMap<>();

  public PyDict(Kind kind) {
    this.kind = Objects.requireNonNull(kind, "kind");
  }

  public static PyDict dict() {
    return new PyDict(Kind.DICT);
  }

  public static PyDict ordered() {
    return new PyDict(Kind.ORDERED_DICT);
  }

  public static PyDict counter() {
    return new PyDict(Kind.COUNTER);
  }

  public Kind kind() {
    return kind;
  }

  public int size() {
    return entries.size();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * The value stored under a key equal to {@code key} in the Python sense, or Java {@code null} if
   * there is none (or if {@code key} is not hashable).
   */
  public Object get(Object key) {
    Object k = PythonKeys.normalize(key);
    if (k == null) {
      return null;
    }
    Entry e = entries.get(k);
    return e == null ? null : e.value;
  }

  public boolean containsKey(Object key) {
    Object k = PythonKeys.normalize(key);
    return k != null && entries.containsKey(k);
  }

  /**
   * Sets {@code self[key] = value} with Python semantics.
   *
   * @throws IllegalArgumentException if the key is not hashable in Python
   */
  public PyDict put(Object key, Object value) {
    Objects.requireNonNull(key, "key (use PyNone.NONE)");
    Objects.requireNonNull(value, "value (use PyNone.NONE)");
    Object k = PythonKeys.normalize(key);
    if (k == null) {
      throw new IllegalArgumentException("unhashable dict key: " + PythonKeys.typeName(key));
    }
    Entry e = entries.get(k);
    if (e == null) {
      entries.put(k, new Entry(key, value));
    } else {
      e.value = value;
    }
    return this;
  }

  /** A snapshot of the entries in insertion order. */
  public List<Map.Entry<Object, Object>> entries() {
    List<Map.Entry<Object, Object>> out = new ArrayList<>(entries.size());
    for (Entry e : entries.values()) {
      out.add(new AbstractMap.SimpleImmutableEntry<>(e.key, e.value));
    }
    return out;
  }

  /** A snapshot of the keys in insertion order. */
  public List<Object> keys() {
    List<Object> out = new ArrayList<>(entries.size());
    for (Entry e : entries.values()) {
      out.add(e.key);
    }
    return out;
  }

  /** A snapshot of the values in insertion order. */
  public List<Object> values() {
    List<Object> out = new ArrayList<>(entries.size());
    for (Entry e : entries.values()) {
      out.add(e.value);
    }
    return out;
  }

  /** Instance attributes set by {@code BUILD}, in the order they were set (read-only view). */
  public Map<String, Object> attributes() {
    return Collections.unmodifiableMap(attributes);
  }

  public PyDict putAttribute(String name, Object value) {
    attributes.put(
        Objects.requireNonNull(name, "name"),
        Objects.requireNonNull(value, "value (use PyNone.NONE)"));
    return this;
  }

  Collection<Entry> rawEntries() {
    return entries.values();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PyDict && Structural.equal(this, o);
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
