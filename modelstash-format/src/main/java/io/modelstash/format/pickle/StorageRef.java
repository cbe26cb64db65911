package io.modelstash.format.pickle;

import io.modelstash.format.DType;
import java.util.Objects;

/**
 * One storage named by a persistent id: {@code ('storage', type, key, location, numel)} in zip
 * files, or the legacy {@code ('storage', type, root_key, location, numel, view)} with a non-null
 * {@link #view()} when the view metadata is present.
 *
 * <p>For a typed legacy storage ({@code torch.FloatStorage}) {@link #dtype()} is its element type
 * and {@link #numel()} counts elements. For {@code torch.storage.UntypedStorage} the storage is raw
 * bytes: {@code untyped} is true, the dtype is {@link DType#UINT8} and {@code numel} is the byte
 * count. The key is the record name under {@code data/}; it is never empty and never contains
 * {@code /}, {@code \}, NUL or {@code ..}.
 */
public record StorageRef(
    String key, DType dtype, long numel, String location, boolean untyped, StorageView view) {
  public StorageRef {
    checkKey(key);
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(location, "location");
    if (numel < 0) {
      throw new IllegalArgumentException("storage numel must be >= 0, got " + numel);
    }
    if (untyped && dtype != DType.UINT8) {
      throw new IllegalArgumentException("an untyped storage has dtype uint8, got " + dtype);
    }
    if (!untyped && dtype.storageClass().isEmpty()) {
      throw new IllegalArgumentException(dtype + " has no typed storage class; use an untyped one");
    }
  }

  /** A typed storage on the CPU, as written by {@code torch.save}. */
  public static StorageRef typed(String key, DType dtype, long numel) {
    return new StorageRef(key, dtype, numel, "cpu", false, null);
  }

  /** An untyped (byte) storage on the CPU, as used by {@code _rebuild_tensor_v3}. */
  public static StorageRef untyped(String key, long nbytes) {
    return new StorageRef(key, DType.UINT8, nbytes, "cpu", true, null);
  }

  /**
   * The size of the storage record in bytes.
   *
   * @throws ArithmeticException if it does not fit in a long
   */
  public long nbytes() {
    return Math.multiplyExact(numel, (long) dtype.elementSize());
  }

  static void checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()
        || key.indexOf('/') >= 0
        || key.indexOf('\\') >= 0
        || key.indexOf('\0') >= 0
        || key.contains("..")) {
      throw new IllegalArgumentException("invalid storage key '" + key + "'");
    }
  }

  /** Why {@code key} is not a valid storage key, or null if it is. */
  static String keyProblem(String key) {
    try {
      checkKey(key);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
