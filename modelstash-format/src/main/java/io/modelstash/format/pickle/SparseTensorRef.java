package io.modelstash.format.pickle;

import java.util.List;
import java.util.Objects;

/**
 * A sparse tensor from {@code _rebuild_sparse_tensor(layout, data)}. For {@code torch.sparse_coo}
 * the data is {@code (indices, values, size[, is_coalesced])}; for the compressed layouts it is
 * {@code (compressed_indices, plain_indices, values, size)}. The tensors are {@link TensorRef}s;
 * sparse invariants are not checked here.
 */
public record SparseTensorRef(TorchLayout layout, List<Object> data) {
  public SparseTensorRef {
    Objects.requireNonNull(layout, "layout");
    data = List.copyOf(data);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparseTensorRef && Structural.equal(this, o);
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
