package io.modelstash.format.pickle;

import io.modelstash.format.DType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A dense tensor: a view of a storage, described but not read. {@code storageOffset}, {@code size}
 * and {@code stride} are in elements of {@link #dtype()}; they are never negative, and {@code size}
 * and {@code stride} have the same length. Whether the view fits in its storage is for the caller
 * to check against the storage record.
 *
 * <p>{@code storage} is null only for a meta tensor (no data). {@code parameter} marks a {@code
 * torch.nn.Parameter}. {@code conj} and {@code neg} are PyTorch's lazy bits: the stored data has
 * not been conjugated or negated yet. {@code quant} is non-null for quantized tensors. {@code
 * attributes} are Python attributes set on the tensor object ({@code _rebuild_from_type_v2}, {@code
 * _rebuild_parameter_with_state}).
 */
public record TensorRef(
    StorageRef storage,
    DType dtype,
    long storageOffset,
    long[] size,
    long[] stride,
    boolean requiresGrad,
    boolean parameter,
    boolean conj,
    boolean neg,
    QuantParams quant,
    Map<String, Object> attributes) {
  public TensorRef {
    Objects.requireNonNull(dtype, "dtype");
    size = size.clone();
    stride = stride.clone();
    if (size.length != stride.length) {
      throw new IllegalArgumentException(
          "size and stride differ in length: " + size.length + " vs " + stride.length);
    }
    if (storageOffset < 0) {
      throw new IllegalArgumentException("storage offset must be >= 0, got " + storageOffset);
    }
    for (int i = 0; i < size.length; i++) {
      if (size[i] < 0 || stride[i] < 0) {
        throw new IllegalArgumentException(
            "size and stride must be >= 0, got " + size[i] + " and " + stride[i] + " at dim " + i);
      }
    }
    LinkedHashMap<String, Object> copy = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      copy.put(Objects.requireNonNull(e.getKey()), Objects.requireNonNull(e.getValue()));
    }
    attributes = Collections.unmodifiableMap(copy);
  }

  /** A plain tensor over a storage, with the storage's dtype. */
  public static TensorRef of(StorageRef storage, long storageOffset, long[] size, long[] stride) {
    return new TensorRef(
        storage,
        storage.dtype(),
        storageOffset,
        size,
        stride,
        false,
        false,
        false,
        false,
        null,
        Map.of());
  }

  /** A contiguous (row-major) tensor starting at the beginning of its storage. */
  public static TensorRef contiguous(StorageRef storage, DType dtype, long... size) {
    long[] stride = new long[size.length];
    long s = 1;
    for (int i = size.length - 1; i >= 0; i--) {
      stride[i] = s;
      s = Math.multiplyExact(s, Math.max(1, size[i]));
    }
    return new TensorRef(
        storage, dtype, 0, size, stride, false, false, false, false, null, Map.of());
  }

  @Override
  public long[] size() {
    return size.clone();
  }

  @Override
  public long[] stride() {
    return stride.clone();
  }

  public int rank() {
    return size.length;
  }

  /**
   * The number of elements, the product of {@link #size()}.
   *
   * @throws ArithmeticException if it does not fit in a long
   */
  public long numel() {
    long n = 1;
    for (long d : size) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** This tensor as a {@code torch.nn.Parameter} (or not), with the given {@code requires_grad}. */
  public TensorRef withParameter(boolean parameter, boolean requiresGrad) {
    return new TensorRef(
        storage,
        dtype,
        storageOffset,
        size,
        stride,
        requiresGrad,
        parameter,
        conj,
        neg,
        quant,
        attributes);
  }

  public TensorRef withAttributes(Map<String, Object> attributes) {
    return new TensorRef(
        storage,
        dtype,
        storageOffset,
        size,
        stride,
        requiresGrad,
        parameter,
        conj,
        neg,
        quant,
        attributes);
  }

  public TensorRef withConjNeg(boolean conj, boolean neg) {
    return new TensorRef(
        storage,
        dtype,
        storageOffset,
        size,
        stride,
        requiresGrad,
        parameter,
        conj,
        neg,
        quant,
        attributes);
  }

  public TensorRef withQuant(QuantParams quant) {
    return new TensorRef(
        storage,
        dtype,
        storageOffset,
        size,
        stride,
        requiresGrad,
        parameter,
        conj,
        neg,
        quant,
        attributes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorRef && Structural.equal(this, o);
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
