package io.modelstash.store.catalog;

/** The outcome of removing a version. */
public enum RemoveResult {
  /** The version is gone. */
  REMOVED,
  /** There was no such version; nothing changed. */
  NO_SUCH_VERSION,
  /** Aliases point to the version and the caller did not allow dropping them; nothing changed. */
  ALIASED
}
