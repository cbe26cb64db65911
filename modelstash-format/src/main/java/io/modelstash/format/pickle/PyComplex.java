package io.modelstash.format.pickle;

/** Python {@code complex}. Equality compares the bits of both parts, like {@link Double#equals}. */
public record PyComplex(double re, double im) {
  @Override
  public String toString() {
    return Structural.repr(this);
  }
}
