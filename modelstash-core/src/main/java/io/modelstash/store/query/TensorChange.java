package io.modelstash.store.query;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * How one tensor differs between two versions.
 *
 * <p>For {@link Status#CHANGED} and {@link Status#SAME}, {@code differing} counts elements whose
 * bits differ. For float and complex dtypes, {@code maxAbsDiff} is the largest |b − a| (a {@code
 * Double}; complex: the modulus of the difference) and {@code relativeL2} is ‖b − a‖₂ / ‖a‖₂ (empty
 * when ‖a‖₂ is 0 and b differs); pairs where either value is NaN count as differing when their bits
 * differ but are left out of both. For integer and bool dtypes, {@code maxAbsDiff} is exact (a
 * {@code Long}, or a {@code BigInteger} beyond 2⁶³ − 1). Other dtypes get only {@code differing}.
 *
 * @param name the tensor's name
 * @param status what changed
 * @param fromDtype its dtype in the first version (empty if added)
 * @param fromShape its shape in the first version (empty if added)
 * @param toDtype its dtype in the second version (empty if removed)
 * @param toShape its shape in the second version (empty if removed)
 * @param elements how many elements were compared
 * @param differing how many of them differ
 */
public record TensorChange(
    String name,
    Status status,
    Optional<String> fromDtype,
    Optional<long[]> fromShape,
    Optional<String> toDtype,
    Optional<long[]> toShape,
    OptionalLong elements,
    OptionalLong differing,
    Optional<Number> maxAbsDiff,
    OptionalDouble relativeL2) {

  /** What happened to a tensor. */
  public enum Status {
    /** Only in the second version. */
    ADDED,
    /** Only in the first version. */
    REMOVED,
    /** In both, with another dtype (values not compared). */
    DTYPE_CHANGED,
    /** In both, same dtype, another shape (values not compared). */
    SHAPE_CHANGED,
    /** Same dtype and shape, some values differ. */
    CHANGED,
    /** Same dtype, shape and values. */
    SAME,
    /** Same dtype and shape, but the values cannot be read from the chunks. */
    UNKNOWN
  }

  /** Checks for nulls. */
  public TensorChange {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(fromDtype, "fromDtype");
    Objects.requireNonNull(fromShape, "fromShape");
    Objects.requireNonNull(toDtype, "toDtype");
    Objects.requireNonNull(toShape, "toShape");
    Objects.requireNonNull(elements, "elements");
    Objects.requireNonNull(differing, "differing");
    Objects.requireNonNull(maxAbsDiff, "maxAbsDiff");
    Objects.requireNonNull(relativeL2, "relativeL2");
  }

  /** The fraction of elements that differ, when values were compared. */
  public OptionalDouble fractionDiffering() {
    if (differing.isEmpty() || elements.isEmpty()) {
      return OptionalDouble.empty();
    }
    long n = elements.getAsLong();
    return OptionalDouble.of(n == 0 ? 0 : differing.getAsLong() / (double) n);
  }
}
