package io.modelstash.format.json;

/** The JSON {@code null} literal in parsed trees, so that a map can tell "null" from "absent". */
public enum JsonNull {
  INSTANCE;

  @Override
  public String toString() {
    return "null";
  }
}
