package io.modelstash.format.pickle;

/**
 * The view part of a legacy (pre-1.6) persistent id: the storage is the slice {@code [offset,
 * offset + size)} of the root storage, in elements of its dtype, known under its own key.
 */
public record StorageView(String viewKey, long offset, long size) {
  public StorageView {
    StorageRef.checkKey(viewKey);
    if (offset < 0 || size < 0) {
      throw new IllegalArgumentException(
          "storage view offset and size must be >= 0, got " + offset + " and " + size);
    }
  }
}
