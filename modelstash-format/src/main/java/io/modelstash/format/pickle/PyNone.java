package io.modelstash.format.pickle;

/** Python {@code None}. The object model never uses Java {@code null} for it. */
public enum PyNone {
  NONE;

  @Override
  public String toString() {
    return "None";
  }
}
