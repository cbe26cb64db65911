package io.modelstash.store.catalog;

/**
 * The outcome of setting an alias. Only {@link #CREATED}, {@link #MOVED}, {@link #UNCHANGED}
 * changed (or confirmed) the alias.
 */
public enum TagResult {
  /** The alias did not exist and now points to the version. */
  CREATED,
  /** The alias pointed to another version and now points to this one. */
  MOVED,
  /** The alias already pointed to the version; nothing changed. */
  UNCHANGED,
  /** The version does not exist; nothing changed. */
  NO_SUCH_VERSION,
  /** The alias was not where the caller expected (compare-and-set failed); nothing changed. */
  CONFLICT;

  /** Whether the alias now points where the caller asked. */
  public boolean isSuccess() {
    return this == CREATED || this == MOVED || this == UNCHANGED;
  }
}
