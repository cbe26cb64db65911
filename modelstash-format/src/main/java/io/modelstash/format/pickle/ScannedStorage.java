package io.modelstash.format.pickle;

import io.modelstash.format.DType;
import java.util.Objects;

/**
 * A storage found by {@link PickleScanner}: its record key, element type and element count. {@code
 * untyped} means the pickle declared a {@code torch.storage.UntypedStorage}; its dtype is then
 * uint8 and {@code numel} the byte count, unless every {@code _rebuild_tensor_v3} over it named the
 * same dtype, which is then used (with {@code numel} in elements of it). In every case {@link
 * #nbytes()} is the size of the storage record.
 */
public record ScannedStorage(String key, DType dtype, long numel, boolean untyped) {
  public ScannedStorage {
    StorageRef.checkKey(key);
    Objects.requireNonNull(dtype, "dtype");
    if (numel < 0) {
      throw new IllegalArgumentException("numel must be >= 0, got " + numel);
    }
  }

  /**
   * The size of the storage record in bytes.
   *
   * @throws ArithmeticException if it does not fit in a long
   */
  public long nbytes() {
    return Math.multiplyExact(numel, (long) dtype.elementSize());
  }
}
