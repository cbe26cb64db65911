package io.modelstash.format.pickle;

import java.util.Set;

/**
 * A {@code torch.layout}, named as {@code str(layout)} ({@code "torch.sparse_coo"}); pickles create
 * it with {@code torch.serialization._get_layout(name)}.
 */
public record TorchLayout(String name) {
  static final Set<String> NAMES =
      Set.of(
          "torch.strided",
          "torch.sparse_coo",
          "torch.sparse_csr",
          "torch.sparse_csc",
          "torch.sparse_bsr",
          "torch.sparse_bsc",
          "torch._mkldnn",
          "torch.jagged");

  public static final TorchLayout STRIDED = new TorchLayout("torch.strided");
  public static final TorchLayout SPARSE_COO = new TorchLayout("torch.sparse_coo");
  public static final TorchLayout SPARSE_CSR = new TorchLayout("torch.sparse_csr");

  public TorchLayout {
    if (!NAMES.contains(name)) {
      throw new IllegalArgumentException("not a torch layout: '" + name + "'");
    }
  }

  /** Whether this is one of the compressed sparse layouts (CSR, CSC, BSR, BSC). */
  public boolean isCompressed() {
    return switch (name) {
      case "torch.sparse_csr", "torch.sparse_csc", "torch.sparse_bsr", "torch.sparse_bsc" -> true;
      default -> false;
    };
  }

  @Override
  public String toString() {
    return name;
  }
}
