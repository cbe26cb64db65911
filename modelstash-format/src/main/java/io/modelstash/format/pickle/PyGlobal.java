package io.modelstash.format.pickle;

import io.modelstash.format.DType;
import java.util.Objects;

/**
 * An allowlisted class or function that a pickle named with {@code GLOBAL} and left in the result
 * as an object, e.g. {@code collections.OrderedDict} or {@code torch.FloatStorage}. It is a name,
 * nothing more: nothing is ever looked up or called through it. Instances come only from the
 * allowlist, so every {@code PyGlobal} is one the weights-only loader accepts.
 */
public final class PyGlobal {
  /** What the unpickler does when the global is called or used as a storage type. */
  enum Sym {
    ORDERED_DICT,
    COUNTER,
    PARAMETER,
    GET_LAYOUT,
    SIZE,
    DEVICE,
    CODECS_ENCODE,
    BYTEARRAY,
    SET,
    COMPLEX,
    TENSOR_CLASS,
    STORAGE_CLASS,
    UNTYPED_STORAGE,
    TYPED_STORAGE,
    REBUILD_TENSOR,
    REBUILD_TENSOR_V2,
    REBUILD_TENSOR_V3,
    REBUILD_PARAMETER,
    REBUILD_PARAMETER_WITH_STATE,
    REBUILD_QTENSOR,
    REBUILD_SPARSE_TENSOR,
    REBUILD_META_TENSOR_NO_STORAGE,
    REBUILD_WRAPPER_SUBCLASS,
    REBUILD_DEVICE_TENSOR_FROM_NUMPY,
    REBUILD_DEVICE_TENSOR_FROM_CPU_TENSOR,
    REBUILD_FROM_TYPE_V2
  }

  private final String module;
  private final String name;
  final Sym sym;

  /** The element type of a legacy storage class or typed tensor class; null otherwise. */
  final DType dtype;

  PyGlobal(String module, String name, Sym sym, DType dtype) {
    this.module = module;
    this.name = name;
    this.sym = sym;
    this.dtype = dtype;
  }

  /** The module after Python 2 name mapping, e.g. {@code collections}. */
  public String module() {
    return module;
  }

  public String name() {
    return name;
  }

  /** {@code module.name}, the key of the allowlist. */
  public String qualifiedName() {
    return module + "." + name;
  }

  /** The allowlisted global with this qualified name, if there is one. */
  public static java.util.Optional<PyGlobal> forName(String qualifiedName) {
    Object v = Allowlist.lookup(qualifiedName);
    return v instanceof PyGlobal g ? java.util.Optional.of(g) : java.util.Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PyGlobal g && g.module.equals(module) && g.name.equals(name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(module, name);
  }

  @Override
  public String toString() {
    return qualifiedName();
  }
}
