package io.modelstash.format;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A checkpoint file read without executing anything: its format, its tensors in the order the file
 * first meets them, and for PyTorch files the whole object tree (dicts, lists, numbers, strings,
 * {@code TensorRef}s) as the weights-only unpickler built it.
 *
 * <p>Tensor data is read lazily from the source; keep the checkpoint open while reading tensors.
 */
public final class Checkpoint implements Closeable {
  private final String format;
  private final Object root;
  private final List<Tensor> tensors;
  private final Map<String, String> metadata;
  private final Closeable owned;

  public Checkpoint(
      String format,
      Object root,
      List<Tensor> tensors,
      Map<String, String> metadata,
      Closeable owned) {
    this.format = Objects.requireNonNull(format, "format");
    this.root = root;
    this.tensors = List.copyOf(tensors);
    this.metadata = Map.copyOf(metadata);
    this.owned = owned;
  }

  /**
   * {@code torch-zip}, {@code torch-legacy} or {@code safetensors}, with a {@code gzip+} prefix
   * when the file was gzip-wrapped.
   */
  public String format() {
    return format;
  }

  /** The unpickled object tree of a PyTorch file; empty for safetensors. */
  public Optional<Object> root() {
    return Optional.ofNullable(root);
  }

  /** Named tensors in file order; names join nested container keys with {@code /}. */
  public List<Tensor> tensors() {
    return tensors;
  }

  /** The safetensors {@code __metadata__} (empty for PyTorch files). */
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public void close() throws IOException {
    if (owned != null) {
      owned.close();
    }
  }
}
