package io.modelstash.format.pickle;

import java.util.Arrays;

/**
 * {@code torch.Size}: a tuple of ints. Python treats it as equal to the plain tuple of the same
 * ints, and so do {@link PyDict} keys; Java equality only matches another {@code TorchSize}.
 */
public record TorchSize(long[] dims) {
  public TorchSize {
    dims = dims.clone();
  }

  public static TorchSize of(long... dims) {
    return new TorchSize(dims);
  }

  @Override
  public long[] dims() {
    return dims.clone();
  }

  public int rank() {
    return dims.length;
  }

  public long dim(int i) {
    return dims[i];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TorchSize s && Arrays.equals(s.dims, dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return "torch.Size(" + Arrays.toString(dims) + ")";
  }
}
