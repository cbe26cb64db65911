package io.modelstash.store;

import java.io.IOException;

/**
 * A store operation that cannot be done as asked, with a one-line message saying what was wrong and
 * what to do. {@link #kind()} lets front ends map it to exit codes and HTTP statuses.
 */
public class StoreException extends IOException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, coarsely. */
  public enum Kind {
    /** An unknown path, version or alias. */
    NOT_FOUND,
    /** The store itself is unusable: unwritable, newer format, damaged. */
    STORE,
    /** Stored data failed a check: a chunk or manifest is missing or corrupt. */
    CORRUPT,
    /** The request cannot be carried out as asked (e.g. a dtype NumPy has no type for). */
    REFUSED
  }

  private final Kind kind;

  public StoreException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public StoreException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
