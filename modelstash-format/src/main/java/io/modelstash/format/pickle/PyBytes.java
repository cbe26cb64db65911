package io.modelstash.format.pickle;

import java.util.Arrays;

/**
 * Python {@code bytes} ({@code mutable == false}) or {@code bytearray} ({@code mutable == true}).
 * The array is copied in and out, so instances never change.
 */
public record PyBytes(byte[] value, boolean mutable) {
  public PyBytes {
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  public int length() {
    return value.length;
  }

  /** Byte {@code i} without copying the array. */
  public int byteAt(int i) {
    return value[i] & 0xFF;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PyBytes b && b.mutable == mutable && Arrays.equals(b.value, value);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(value) * 31 + Boolean.hashCode(mutable);
  }

  @Override
  public String toString() {
    return Structural.repr(this);
  }
}
