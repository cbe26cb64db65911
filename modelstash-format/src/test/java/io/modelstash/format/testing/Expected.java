package io.modelstash.format.testing;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a correct reader must see in one checkpoint file: its container format and its tensors in
 * pickle order (depth-first in container insertion order; a tensor reachable under two names is
 * listed twice). This is the content of a {@code *.expected.json} file and of {@code
 * torch_oracle.py describe}.
 *
 * <p>{@code format} is one of {@link #FORMATS}; {@value #TORCHSCRIPT} lists no tensors and means a
 * reader must refuse the file.
 */
public record Expected(String format, List<ExpectedTensor> tensors) {
  public static final String TORCHSCRIPT = "torchscript";

  /** Every format value the fixtures and the oracle use. */
  public static final Set<String> FORMATS =
      Set.of(
          "torch-zip",
          "torch-legacy",
          "gzip+torch-zip",
          "gzip+torch-legacy",
          "safetensors",
          TORCHSCRIPT);

  public Expected {
    Objects.requireNonNull(format, "format");
    if (!FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          "Cannot describe checkpoint: unknown format '"
              + format
              + "' (expected one of "
              + FORMATS
              + ")");
    }
    tensors = List.copyOf(tensors);
  }

  /** True for files a reader must reject rather than read. */
  public boolean mustBeRefused() {
    return TORCHSCRIPT.equals(format);
  }

  public List<String> names() {
    return tensors.stream().map(ExpectedTensor::name).toList();
  }
}
