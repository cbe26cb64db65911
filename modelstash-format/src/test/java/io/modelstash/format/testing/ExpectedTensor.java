package io.modelstash.format.testing;

import java.util.Arrays;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One tensor as a correct reader must see it: its name (container keys joined with {@code /}, the
 * empty string for a root tensor), torch dtype name without {@code torch.}, shape, and the
 * lowercase hex SHA-256 of its own elements in row-major order, little-endian (what {@code
 * t.contiguous()} holds; one byte per bool; complex as interleaved re, im).
 *
 * <p>Equality compares the shape by content, unlike a plain record with an array component.
 */
public record ExpectedTensor(String name, String dtype, long[] shape, String sha256) {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public ExpectedTensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = Objects.requireNonNull(shape, "shape").clone();
    Objects.requireNonNull(sha256, "sha256");
    if (!SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "Cannot describe tensor '" + name + "': sha256 is not 64 lowercase hex digits");
    }
    for (long size : shape) {
      if (size < 0) {
        throw new IllegalArgumentException(
            "Cannot describe tensor '" + name + "': negative size in " + Arrays.toString(shape));
      }
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExpectedTensor t
        && name.equals(t.name)
        && dtype.equals(t.dtype)
        && Arrays.equals(shape, t.shape)
        && sha256.equals(t.sha256);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), sha256);
  }

  @Override
  public String toString() {
    return "'" + name + "' " + dtype + " " + Arrays.toString(shape) + " sha256=" + sha256;
  }
}
