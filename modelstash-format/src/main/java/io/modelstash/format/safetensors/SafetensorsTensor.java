package io.modelstash.format.safetensors;

import io.modelstash.format.DType;
import io.modelstash.format.json.Json;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor listed in a safetensors header: its name, element type, logical shape (for the
 * sub-byte {@code F4}/{@code F6_*} types it counts elements, not bytes) and its byte range {@code
 * [begin, end)} relative to the start of the data buffer, {@link SafetensorsFile#dataStart()}.
 *
 * <p>Immutable: the shape is copied on the way in and on the way out.
 */
public record SafetensorsTensor(String name, DType dtype, long[] shape, long begin, long end) {

  public SafetensorsTensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = Objects.requireNonNull(shape, "shape").clone();
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      }
    }
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("invalid byte range [" + begin + ", " + end + ")");
    }
  }

  /** A copy of the shape; {@code []} for a scalar. */
  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** {@code end - begin}: the number of data bytes. */
  public long byteLength() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SafetensorsTensor
        && name.equals(((SafetensorsTensor) o).name)
        && dtype == ((SafetensorsTensor) o).dtype
        && Arrays.equals(shape, ((SafetensorsTensor) o).shape)
        && begin == ((SafetensorsTensor) o).begin
        && end == ((SafetensorsTensor) o).end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return Json.quote(name, 200)
        + ": "
        + dtype.safetensorsName().orElse(dtype.torchName())
        + Arrays.toString(shape)
        + " @ ["
        + begin
        + ", "
        + end
        + ")";
  }
}
