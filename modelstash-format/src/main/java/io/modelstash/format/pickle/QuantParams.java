package io.modelstash.format.pickle;

import java.util.Objects;

/**
 * The quantizer of a quantized tensor from {@code _rebuild_qtensor}. Per-tensor schemes carry
 * {@link #scale()} and {@link #zeroPoint()} (then {@code scales} and {@code zeroPoints} are null
 * and {@code axis} is -1); per-channel schemes carry a float64 {@code scales} tensor, an int64
 * {@code zeroPoints} tensor and the channel {@code axis} (then {@code scale} is 0 and {@code
 * zeroPoint} 0).
 */
public record QuantParams(
    QScheme scheme,
    double scale,
    long zeroPoint,
    TensorRef scales,
    TensorRef zeroPoints,
    long axis) {
  public QuantParams {
    Objects.requireNonNull(scheme, "scheme");
    if (scheme.perChannel()) {
      Objects.requireNonNull(scales, "scales");
      Objects.requireNonNull(zeroPoints, "zeroPoints");
      if (axis < 0) {
        throw new IllegalArgumentException("per-channel axis must be >= 0, got " + axis);
      }
    } else if (scales != null || zeroPoints != null || axis != -1) {
      throw new IllegalArgumentException(scheme + " has one scale and zero point, not tensors");
    }
  }

  public static QuantParams perTensor(double scale, long zeroPoint) {
    return new QuantParams(QScheme.PER_TENSOR_AFFINE, scale, zeroPoint, null, null, -1);
  }

  public static QuantParams perChannel(
      QScheme scheme, TensorRef scales, TensorRef zeroPoints, long axis) {
    return new QuantParams(scheme, 0, 0, scales, zeroPoints, axis);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof QuantParams && Structural.equal(this, o);
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
